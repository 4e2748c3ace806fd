;; The lab's fused elementwise kernels for tfjs-backend-wasm, in WebAssembly SIMD, run on tfjs's own
;; linear memory (imported: `simdKernels.ts` instantiates this module over the backend's memory).
;; Source of `kernelsBinary.ts` (`npm run build:simd`, which a unit test checks is up to date).
;;
;; Each kernel does the float32 operations of the tfjs ops it replaces, in their order, one lane
;; per element (four at a time, then one at a time): its results are theirs bit for bit. Pointers
;; are byte offsets into the memory; `n` counts float32 elements. `__LIMITS__` is `1` (any memory), or
;; `1 65536 shared` for a cross-origin-isolated page's threaded build, whose memory is shared.

(module
  (import "env" "memory" (memory __LIMITS__))

  ;; gelu_new's inner value t = ((x + ((x·x)·x)·c1))·k, as forward.ts's `activate` computes it with
  ;; tfjs ops (square, mul, mul, add, mul); the caller then takes tfjs's sigmoid of t.
  (func (export "geluNewInner")
    (param $x i32) (param $out i32) (param $n i32) (param $c1 f32) (param $k f32)
    (local $end i32) (local $vend i32) (local $v v128) (local $vc1 v128) (local $vk v128)
    (local $s f32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vk (f32x4.splat (local.get $k)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $out) (local.get $vend)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $out)
        (f32x4.mul
          (f32x4.add (local.get $v)
            (f32x4.mul (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) (local.get $v)) (local.get $vc1)))
          (local.get $vk)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vloop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $out)
        (f32.mul
          (f32.add (local.get $s)
            (f32.mul (f32.mul (f32.mul (local.get $s) (local.get $s)) (local.get $s)) (local.get $c1)))
          (local.get $k)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $loop))))

  ;; gelu_new's gradient dx from x, s = sigmoid(t) and dy: what tfjs's backpropagation of the ops
  ;; above gives, term by term and summed in its order —
  ;;   dx1 = dy·s; ds = dy·x; dt = ds·(s·(1 − s)); da4 = dt·k; da2 = da4·c1;
  ;;   dx = ((dx1 + da4) + da2·(x·x)) + (da2·x)·(x·2).
  (func (export "geluNewGrad")
    (param $x i32) (param $sp i32) (param $dy i32) (param $out i32) (param $n i32)
    (param $c1 f32) (param $k f32)
    (local $end i32) (local $vend i32)
    (local $vx v128) (local $vs v128) (local $vdy v128) (local $vda4 v128) (local $vda2 v128)
    (local $vc1 v128) (local $vk v128) (local $one v128) (local $two v128)
    (local $fx f32) (local $fs f32) (local $fdy f32) (local $fda4 f32) (local $fda2 f32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vk (f32x4.splat (local.get $k)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $two (f32x4.splat (f32.const 2)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $out) (local.get $vend)))
      (local.set $vx (v128.load (local.get $x)))
      (local.set $vs (v128.load (local.get $sp)))
      (local.set $vdy (v128.load (local.get $dy)))
      ;; da4 = ((dy·x)·(s·(1 − s)))·k
      (local.set $vda4
        (f32x4.mul
          (f32x4.mul (f32x4.mul (local.get $vdy) (local.get $vx))
            (f32x4.mul (local.get $vs) (f32x4.sub (local.get $one) (local.get $vs))))
          (local.get $vk)))
      (local.set $vda2 (f32x4.mul (local.get $vda4) (local.get $vc1)))
      (v128.store (local.get $out)
        (f32x4.add
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $vdy) (local.get $vs)) (local.get $vda4))
            (f32x4.mul (local.get $vda2) (f32x4.mul (local.get $vx) (local.get $vx))))
          (f32x4.mul (f32x4.mul (local.get $vda2) (local.get $vx))
            (f32x4.mul (local.get $vx) (local.get $two)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vloop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $fx (f32.load (local.get $x)))
      (local.set $fs (f32.load (local.get $sp)))
      (local.set $fdy (f32.load (local.get $dy)))
      (local.set $fda4
        (f32.mul
          (f32.mul (f32.mul (local.get $fdy) (local.get $fx))
            (f32.mul (local.get $fs) (f32.sub (f32.const 1) (local.get $fs))))
          (local.get $k)))
      (local.set $fda2 (f32.mul (local.get $fda4) (local.get $c1)))
      (f32.store (local.get $out)
        (f32.add
          (f32.add
            (f32.add (f32.mul (local.get $fdy) (local.get $fs)) (local.get $fda4))
            (f32.mul (local.get $fda2) (f32.mul (local.get $fx) (local.get $fx))))
          (f32.mul (f32.mul (local.get $fda2) (local.get $fx))
            (f32.mul (local.get $fx) (f32.const 2)))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $loop))))

  ;; silu's gradient dx from x, s = sigmoid(x) and dy, as tfjs's backpropagation of x·sigmoid(x):
  ;;   dx = dy·s + (dy·x)·(s·(1 − s)).
  (func (export "siluGrad")
    (param $x i32) (param $sp i32) (param $dy i32) (param $out i32) (param $n i32)
    (local $end i32) (local $vend i32)
    (local $vx v128) (local $vs v128) (local $vdy v128) (local $one v128)
    (local $fx f32) (local $fs f32) (local $fdy f32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $one (f32x4.splat (f32.const 1)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $out) (local.get $vend)))
      (local.set $vx (v128.load (local.get $x)))
      (local.set $vs (v128.load (local.get $sp)))
      (local.set $vdy (v128.load (local.get $dy)))
      (v128.store (local.get $out)
        (f32x4.add (f32x4.mul (local.get $vdy) (local.get $vs))
          (f32x4.mul (f32x4.mul (local.get $vdy) (local.get $vx))
            (f32x4.mul (local.get $vs) (f32x4.sub (local.get $one) (local.get $vs))))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $vloop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (local.set $fx (f32.load (local.get $x)))
      (local.set $fs (f32.load (local.get $sp)))
      (local.set $fdy (f32.load (local.get $dy)))
      (f32.store (local.get $out)
        (f32.add (f32.mul (local.get $fdy) (local.get $fs))
          (f32.mul (f32.mul (local.get $fdy) (local.get $fx))
            (f32.mul (local.get $fs) (f32.sub (f32.const 1) (local.get $fs))))))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $loop))))

  ;; AdamW's update of one parameter and its moments (`wasmAdamW.ts`, `train/adamw.ts`):
  ;;   g = G·scale;  m = m·β₁ + g·(1−β₁);  v = v·β₂ + (g·g)·(1−β₂);
  ;;   p = (p·decay) − (m / (√v / √(1−β₂ᵗ) + ε))·stepSize   (no decay multiply when $decays is 0).
  (func (export "adamW")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $pOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $scale f32) (param $beta1 f32) (param $keep1 f32) (param $beta2 f32) (param $keep2 f32)
    (param $decay f32) (param $decays i32) (param $rootBias2 f32) (param $epsilon f32)
    (param $stepSize f32)
    (local $end i32) (local $vend i32)
    (local $vg v128) (local $vm v128) (local $vv v128) (local $vp v128)
    (local $cscale v128) (local $cbeta1 v128) (local $ckeep1 v128) (local $cbeta2 v128)
    (local $ckeep2 v128) (local $cdecay v128) (local $croot v128) (local $ceps v128) (local $cstep v128)
    (local $fg f32) (local $fm f32) (local $fv f32) (local $fp f32)
    (local.set $end (i32.add (local.get $pOut) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $pOut) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $cscale (f32x4.splat (local.get $scale)))
    (local.set $cbeta1 (f32x4.splat (local.get $beta1)))
    (local.set $ckeep1 (f32x4.splat (local.get $keep1)))
    (local.set $cbeta2 (f32x4.splat (local.get $beta2)))
    (local.set $ckeep2 (f32x4.splat (local.get $keep2)))
    (local.set $cdecay (f32x4.splat (local.get $decay)))
    (local.set $croot (f32x4.splat (local.get $rootBias2)))
    (local.set $ceps (f32x4.splat (local.get $epsilon)))
    (local.set $cstep (f32x4.splat (local.get $stepSize)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $pOut) (local.get $vend)))
      (local.set $vg (f32x4.mul (v128.load (local.get $g)) (local.get $cscale)))
      (local.set $vm
        (f32x4.add (f32x4.mul (v128.load (local.get $m)) (local.get $cbeta1))
          (f32x4.mul (local.get $vg) (local.get $ckeep1))))
      (local.set $vv
        (f32x4.add (f32x4.mul (v128.load (local.get $v)) (local.get $cbeta2))
          (f32x4.mul (f32x4.mul (local.get $vg) (local.get $vg)) (local.get $ckeep2))))
      (local.set $vp (v128.load (local.get $p)))
      (if (local.get $decays) (then (local.set $vp (f32x4.mul (local.get $vp) (local.get $cdecay)))))
      (v128.store (local.get $pOut)
        (f32x4.sub (local.get $vp)
          (f32x4.mul
            (f32x4.div (local.get $vm)
              (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $croot)) (local.get $ceps)))
            (local.get $cstep))))
      (v128.store (local.get $mOut) (local.get $vm))
      (v128.store (local.get $vOut) (local.get $vv))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (local.set $pOut (i32.add (local.get $pOut) (i32.const 16)))
      (local.set $mOut (i32.add (local.get $mOut) (i32.const 16)))
      (local.set $vOut (i32.add (local.get $vOut) (i32.const 16)))
      (br $vloop)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $pOut) (local.get $end)))
      (local.set $fg (f32.mul (f32.load (local.get $g)) (local.get $scale)))
      (local.set $fm
        (f32.add (f32.mul (f32.load (local.get $m)) (local.get $beta1))
          (f32.mul (local.get $fg) (local.get $keep1))))
      (local.set $fv
        (f32.add (f32.mul (f32.load (local.get $v)) (local.get $beta2))
          (f32.mul (f32.mul (local.get $fg) (local.get $fg)) (local.get $keep2))))
      (local.set $fp (f32.load (local.get $p)))
      (if (local.get $decays) (then (local.set $fp (f32.mul (local.get $fp) (local.get $decay)))))
      (f32.store (local.get $pOut)
        (f32.sub (local.get $fp)
          (f32.mul
            (f32.div (local.get $fm)
              (f32.add (f32.div (f32.sqrt (local.get $fv)) (local.get $rootBias2)) (local.get $epsilon)))
            (local.get $stepSize))))
      (f32.store (local.get $mOut) (local.get $fm))
      (f32.store (local.get $vOut) (local.get $fv))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (local.set $v (i32.add (local.get $v) (i32.const 4)))
      (local.set $pOut (i32.add (local.get $pOut) (i32.const 4)))
      (local.set $mOut (i32.add (local.get $mOut) (i32.const 4)))
      (local.set $vOut (i32.add (local.get $vOut) (i32.const 4)))
      (br $loop))))

  ;; LayerNorm (or RMSNorm, $rms 1) of `rows` rows of `width` values (a multiple of 4), as
  ;; `model/norm.ts`'s ops compute it: row sums in order, one value at a time (tfjs's Mean: the sum,
  ;; then divided by the width), the rest four at a time —
  ;;   LayerNorm: μ = Σx/w; σ = √(Σ(x − μ)²/w + ε); x̂ = (x − μ)/σ; y = x̂·γ (+ β)
  ;;   RMSNorm:   r = 1/√(Σx²/w + ε); x̂ = x·r; y = x̂·γ
  ;; writing y, x̂ and the row's σ (or r) to $scale.
  (func (export "normForward")
    (param $x i32) (param $g i32) (param $b i32) (param $y i32) (param $xhat i32) (param $scale i32)
    (param $rows i32) (param $width i32) (param $eps f32) (param $hasBias i32) (param $rms i32)
    (local $r i32) (local $j i32) (local $rowBytes i32) (local $wf f32)
    (local $acc f32) (local $mean f32) (local $s f32) (local $d f32)
    (local $vmean v128) (local $vs v128) (local $vh v128)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $wf (f32.convert_i32_u (local.get $width)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (f32.const 0))
      (local.set $j (i32.const 0))
      (if (local.get $rms)
        (then
          (block $d1 (loop $l1
            (br_if $d1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $d (f32.load (i32.add (local.get $x) (local.get $j))))
            (local.set $acc (f32.add (local.get $acc) (f32.mul (local.get $d) (local.get $d))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l1)))
          (local.set $s
            (f32.div (f32.const 1)
              (f32.sqrt (f32.add (f32.div (local.get $acc) (local.get $wf)) (local.get $eps)))))
          (local.set $mean (f32.const 0)))
        (else
          (block $d2 (loop $l2
            (br_if $d2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $acc (f32.add (local.get $acc) (f32.load (i32.add (local.get $x) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l2)))
          (local.set $mean (f32.div (local.get $acc) (local.get $wf)))
          (local.set $acc (f32.const 0))
          (local.set $j (i32.const 0))
          (block $d3 (loop $l3
            (br_if $d3 (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $d (f32.sub (f32.load (i32.add (local.get $x) (local.get $j))) (local.get $mean)))
            (local.set $acc (f32.add (local.get $acc) (f32.mul (local.get $d) (local.get $d))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l3)))
          (local.set $s
            (f32.sqrt (f32.add (f32.div (local.get $acc) (local.get $wf)) (local.get $eps))))))
      (f32.store (local.get $scale) (local.get $s))
      (local.set $vmean (f32x4.splat (local.get $mean)))
      (local.set $vs (f32x4.splat (local.get $s)))
      (local.set $j (i32.const 0))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (if (local.get $rms)
          (then (local.set $vh (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $vs))))
          (else
            (local.set $vh
              (f32x4.div
                (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $vmean))
                (local.get $vs)))))
        (v128.store (i32.add (local.get $xhat) (local.get $j)) (local.get $vh))
        (local.set $vh (f32x4.mul (local.get $vh) (v128.load (i32.add (local.get $g) (local.get $j)))))
        (if (local.get $hasBias)
          (then (local.set $vh (f32x4.add (local.get $vh) (v128.load (i32.add (local.get $b) (local.get $j)))))))
        (v128.store (i32.add (local.get $y) (local.get $j)) (local.get $vh))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l4)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $xhat (i32.add (local.get $xhat) (local.get $rowBytes)))
      (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
      (local.set $scale (i32.add (local.get $scale) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; The gradient of `normForward` as `model/norm.ts` writes it out, from dy, x̂ and each row's σ (r):
  ;;   dx̂ = dy·γ;  LayerNorm: dx = ((dx̂ − Σdx̂/w) − x̂·(Σ(dx̂·x̂)/w)) / σ
  ;;              RMSNorm:   dx = (dx̂ − x̂·(Σ(dx̂·x̂)/w))·r
  ;; and, when asked, dγ = Σ dy·x̂ and dβ = Σ dy over the rows, each column summed row by row in
  ;; order (tfjs's Sum of the transposed rows), four columns at a time.
  (func (export "normBackward")
    (param $dy i32) (param $xhat i32) (param $scale i32) (param $g i32) (param $dx i32)
    (param $dgain i32) (param $dbias i32) (param $rows i32) (param $width i32) (param $rms i32)
    (param $wantGain i32) (param $wantBias i32)
    (local $r i32) (local $j i32) (local $t i32) (local $rowBytes i32) (local $wf f32)
    (local $acc1 f32) (local $acc2 f32) (local $dxh f32) (local $m1 f32) (local $m2 f32) (local $s f32)
    (local $row i32) (local $vdxh v128) (local $vproj v128) (local $vm1 v128) (local $vm2 v128)
    (local $vs v128) (local $vacc v128) (local $vacc2 v128)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $wf (f32.convert_i32_u (local.get $width)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $acc1 (f32.const 0))
      (local.set $acc2 (f32.const 0))
      (local.set $j (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $dxh
          (f32.mul (f32.load (i32.add (local.get $dy) (i32.add (local.get $row) (local.get $j))))
            (f32.load (i32.add (local.get $g) (local.get $j)))))
        (local.set $acc1 (f32.add (local.get $acc1) (local.get $dxh)))
        (local.set $acc2
          (f32.add (local.get $acc2)
            (f32.mul (local.get $dxh)
              (f32.load (i32.add (local.get $xhat) (i32.add (local.get $row) (local.get $j)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1)))
      (local.set $m1 (f32.div (local.get $acc1) (local.get $wf)))
      (local.set $m2 (f32.div (local.get $acc2) (local.get $wf)))
      (local.set $vm1 (f32x4.splat (local.get $m1)))
      (local.set $vm2 (f32x4.splat (local.get $m2)))
      (local.set $vs (f32x4.splat (f32.load (i32.add (local.get $scale) (i32.shl (local.get $r) (i32.const 2))))))
      (local.set $j (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $vdxh
          (f32x4.mul (v128.load (i32.add (local.get $dy) (i32.add (local.get $row) (local.get $j))))
            (v128.load (i32.add (local.get $g) (local.get $j)))))
        (local.set $vproj
          (f32x4.mul (v128.load (i32.add (local.get $xhat) (i32.add (local.get $row) (local.get $j))))
            (local.get $vm2)))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $row) (local.get $j)))
          (if (result v128) (local.get $rms)
            (then (f32x4.mul (f32x4.sub (local.get $vdxh) (local.get $vproj)) (local.get $vs)))
            (else
              (f32x4.div
                (f32x4.sub (f32x4.sub (local.get $vdxh) (local.get $vm1)) (local.get $vproj))
                (local.get $vs)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop)))
    (if (i32.or (local.get $wantGain) (local.get $wantBias))
      (then
        (local.set $j (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $vacc (v128.const f32x4 0 0 0 0))
          (local.set $vacc2 (v128.const f32x4 0 0 0 0))
          (local.set $row (local.get $j))
          (local.set $t (i32.const 0))
          (block $td (loop $tl
            (br_if $td (i32.ge_u (local.get $t) (local.get $rows)))
            (local.set $vdxh (v128.load (i32.add (local.get $dy) (local.get $row))))
            (local.set $vacc
              (f32x4.add (local.get $vacc)
                (f32x4.mul (local.get $vdxh) (v128.load (i32.add (local.get $xhat) (local.get $row))))))
            (local.set $vacc2 (f32x4.add (local.get $vacc2) (local.get $vdxh)))
            (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tl)))
          (if (local.get $wantGain)
            (then (v128.store (i32.add (local.get $dgain) (local.get $j)) (local.get $vacc))))
          (if (local.get $wantBias)
            (then (v128.store (i32.add (local.get $dbias) (local.get $j)) (local.get $vacc2))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $cl))))))

  ;; A batch of `count` float32 matrices `[rows, cols]` (both multiples of 4) transposed into
  ;; `[cols, rows]` each: 4×4 blocks through registers (two rounds of shuffles), in tiles of 64
  ;; source rows by 8 source columns. The destination's rows lie a power of two apart, and more than
  ;; eight of them at once map to the same cache sets: 32×32 tiles ran [1024, 128] in 345 µs, these in
  ;; 39–68 (tfjs's loop in two blocked passes: 349). Values are only moved.
  (func (export "transpose")
    (param $src i32) (param $dst i32) (param $count i32) (param $rows i32) (param $cols i32)
    (local $k i32) (local $ti i32) (local $tj i32) (local $i i32) (local $j i32)
    (local $iend i32) (local $jend i32) (local $srcRow i32) (local $dstRow i32) (local $matrix i32)
    (local $s i32) (local $d i32)
    (local $a v128) (local $b v128) (local $c v128) (local $e v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $srcRow (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $dstRow (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $matrix (i32.mul (local.get $rows) (local.get $srcRow)))
    (local.set $k (i32.const 0))
    (block $kd (loop $kl
      (br_if $kd (i32.ge_u (local.get $k) (local.get $count)))
      (local.set $ti (i32.const 0))
      (block $tid (loop $til
        (br_if $tid (i32.ge_u (local.get $ti) (local.get $rows)))
        (local.set $iend (i32.add (local.get $ti) (i32.const 64)))
        (if (i32.gt_u (local.get $iend) (local.get $rows)) (then (local.set $iend (local.get $rows))))
        (local.set $tj (i32.const 0))
        (block $tjd (loop $tjl
          (br_if $tjd (i32.ge_u (local.get $tj) (local.get $cols)))
          (local.set $jend (i32.add (local.get $tj) (i32.const 8)))
          (if (i32.gt_u (local.get $jend) (local.get $cols)) (then (local.set $jend (local.get $cols))))
          (local.set $i (local.get $ti))
          (block $id (loop $il
            (br_if $id (i32.ge_u (local.get $i) (local.get $iend)))
            (local.set $j (local.get $tj))
            (block $jd (loop $jl
              (br_if $jd (i32.ge_u (local.get $j) (local.get $jend)))
              ;; rows i..i+3, columns j..j+3 of the source
              (local.set $s
                (i32.add (local.get $src)
                  (i32.add (i32.mul (local.get $i) (local.get $srcRow)) (i32.shl (local.get $j) (i32.const 2)))))
              (local.set $a (v128.load (local.get $s)))
              (local.set $b (v128.load (i32.add (local.get $s) (local.get $srcRow))))
              (local.set $c (v128.load (i32.add (local.get $s) (i32.shl (local.get $srcRow) (i32.const 1)))))
              (local.set $e
                (v128.load (i32.add (local.get $s) (i32.mul (local.get $srcRow) (i32.const 3)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $e)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $e)))
              ;; rows j..j+3, columns i..i+3 of the destination
              (local.set $d
                (i32.add (local.get $dst)
                  (i32.add (i32.mul (local.get $j) (local.get $dstRow)) (i32.shl (local.get $i) (i32.const 2)))))
              (v128.store (local.get $d)
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store (i32.add (local.get $d) (local.get $dstRow))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store (i32.add (local.get $d) (i32.shl (local.get $dstRow) (i32.const 1)))
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store (i32.add (local.get $d) (i32.mul (local.get $dstRow) (i32.const 3)))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $jl)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $il)))
          (local.set $tj (i32.add (local.get $tj) (i32.const 8)))
          (br $tjl)))
        (local.set $ti (i32.add (local.get $ti) (i32.const 64)))
        (br $til)))
      (local.set $src (i32.add (local.get $src) (local.get $matrix)))
      (local.set $dst (i32.add (local.get $dst) (local.get $matrix)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kl))))

  ;; `runs` runs of `runBytes` bytes, the k-th from `src + k·srcStride` to `dst + k·dstStride`
  ;; (bulk memory's copy): a concatenation's part, a run-preserving transpose's head. Only moves.
  (func (export "copyRuns")
    (param $src i32) (param $srcStride i32) (param $dst i32) (param $dstStride i32)
    (param $runs i32) (param $runBytes i32)
    (local $k i32)
    (local.set $k (i32.const 0))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $k) (local.get $runs)))
      (memory.copy (local.get $dst) (local.get $src) (local.get $runBytes))
      (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $loop))))

  ;; `count` products C = A·B, row-major: A `[m, k]`, B `[k, n]` (n a multiple of 8), each
  ;; slice's A, B and C following the last (B by `bStride` bytes: 0 shares one B). B is packed, a
  ;; panel of `panel` columns (a multiple of 8) at a time, into `pack` (k·panel floats) as strips of
  ;; 8 columns whose k rows lie one after the other: the rows of B itself lie n·4 bytes apart, a
  ;; power of two for most models, and read down a column they fall into the same cache sets
  ;; (1024³ ran at 14 GFLOP/s unpacked). Each row block of 4 then passes every strip of the panel
  ;; with its 4×8 outputs in registers (the last m mod 4 rows one at a time). Each output is Σₖ a·b
  ;; accumulated in k's order from 0, every product and sum rounded to float32, as XNNPACK's
  ;; products (tested bit for bit); 46–48 GFLOP/s where XNNPACK ran 34–36 on this machine.
  (func (export "gemmBatch")
    (param $a i32) (param $b i32) (param $c i32) (param $count i32)
    (param $m i32) (param $k i32) (param $n i32) (param $bStride i32) (param $panel i32)
    (param $pack i32)
    (local $s i32) (local $i i32) (local $j i32) (local $kk i32) (local $jp i32) (local $jend i32)
    (local $aRow i32) (local $cRow i32) (local $ap i32) (local $bp i32) (local $cp i32)
    (local $src i32) (local $dst i32) (local $strip i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $aRow (i32.shl (local.get $k) (i32.const 2)))
    (local.set $cRow (i32.shl (local.get $n) (i32.const 2)))
    ;; one strip: k rows of 8 floats
    (local.set $strip (i32.shl (local.get $k) (i32.const 5)))
    (local.set $s (i32.const 0))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $s) (local.get $count)))
      (local.set $jp (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $jp) (local.get $n)))
        (local.set $jend (i32.add (local.get $jp) (local.get $panel)))
        (if (i32.gt_u (local.get $jend) (local.get $n)) (then (local.set $jend (local.get $n))))
        ;; pack columns jp..jend of B, strip by strip
        (local.set $dst (local.get $pack))
        (local.set $j (local.get $jp))
        (block $qd (loop $ql
          (br_if $qd (i32.ge_u (local.get $j) (local.get $jend)))
          (local.set $src (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $kk (i32.const 0))
          (block $rd (loop $rl
            (br_if $rd (i32.ge_u (local.get $kk) (local.get $k)))
            (v128.store (local.get $dst) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $cRow)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $rl)))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $ql)))
        (local.set $i (i32.const 0))
        (block $id (loop $il
          (br_if $id (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
          (local.set $j (local.get $jp))
          (block $jd (loop $jl
            (br_if $jd (i32.ge_u (local.get $j) (local.get $jend)))
            (local.set $c00 (v128.const f32x4 0 0 0 0)) (local.set $c01 (v128.const f32x4 0 0 0 0))
            (local.set $c10 (v128.const f32x4 0 0 0 0)) (local.set $c11 (v128.const f32x4 0 0 0 0))
            (local.set $c20 (v128.const f32x4 0 0 0 0)) (local.set $c21 (v128.const f32x4 0 0 0 0))
            (local.set $c30 (v128.const f32x4 0 0 0 0)) (local.set $c31 (v128.const f32x4 0 0 0 0))
            ;; A's rows i..i+3 at column kk; the strip of columns j..j+7 at row kk
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
            (local.set $bp
              (i32.add (local.get $pack)
                (i32.mul (i32.shr_u (i32.sub (local.get $j) (local.get $jp)) (i32.const 3)) (local.get $strip))))
            (local.set $kk (i32.const 0))
            (block $kd (loop $kl
              (br_if $kd (i32.ge_u (local.get $kk) (local.get $k)))
              (local.set $b0 (v128.load (local.get $bp)))
              (local.set $b1 (v128.load offset=16 (local.get $bp)))
              (local.set $av (v128.load32_splat (local.get $ap)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat (i32.add (local.get $ap) (local.get $aRow))))
              (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat (i32.add (local.get $ap) (i32.shl (local.get $aRow) (i32.const 1)))))
              (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat (i32.add (local.get $ap) (i32.mul (local.get $aRow) (i32.const 3)))))
              (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
              (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
              (br $kl)))
            (local.set $cp
              (i32.add (local.get $c)
                (i32.add (i32.mul (local.get $i) (local.get $cRow)) (i32.shl (local.get $j) (i32.const 2)))))
            (v128.store (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store (local.get $cp) (local.get $c10))
            (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store (local.get $cp) (local.get $c20))
            (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $cRow)))
            (v128.store (local.get $cp) (local.get $c30))
            (v128.store offset=16 (local.get $cp) (local.get $c31))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jl)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $il)))
        ;; the last m mod 4 rows, one at a time
        (block $td (loop $tl
          (br_if $td (i32.ge_u (local.get $i) (local.get $m)))
          (local.set $j (local.get $jp))
          (block $ud (loop $ul
            (br_if $ud (i32.ge_u (local.get $j) (local.get $jend)))
            (local.set $c00 (v128.const f32x4 0 0 0 0)) (local.set $c01 (v128.const f32x4 0 0 0 0))
            (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRow))))
            (local.set $bp
              (i32.add (local.get $pack)
                (i32.mul (i32.shr_u (i32.sub (local.get $j) (local.get $jp)) (i32.const 3)) (local.get $strip))))
            (local.set $kk (i32.const 0))
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $kk) (local.get $k)))
              (local.set $av (v128.load32_splat (local.get $ap)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (v128.load (local.get $bp)))))
              (local.set $c01
                (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $bp)))))
              (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
              (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
              (br $vl)))
            (local.set $cp
              (i32.add (local.get $c)
                (i32.add (i32.mul (local.get $i) (local.get $cRow)) (i32.shl (local.get $j) (i32.const 2)))))
            (v128.store (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $ul)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $tl)))
        (local.set $jp (local.get $jend))
        (br $pl)))
      (local.set $a (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $aRow))))
      (local.set $b (i32.add (local.get $b) (local.get $bStride)))
      (local.set $c (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $cRow))))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $sl))))
)
