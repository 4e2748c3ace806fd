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
)
