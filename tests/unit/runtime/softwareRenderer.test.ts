import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer } from '../../../src/core/runtime/backend';

describe('isSoftwareRenderer: a CPU emulation of a GPU, told by its description', () => {
  it.each([
    // Headless Chromium's WebGL renderer on this machine, and its WebGPU adapter's fields.
    'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
    'swiftshader  Google SwiftShader',
    'llvmpipe (LLVM 15.0.6, 256 bits)',
    'softpipe',
    'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
  ])('software: %s', (description) => {
    expect(isSoftwareRenderer(description)).toBe(true);
  });

  it.each([
    'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)',
    'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'Apple M2',
    'gen-12lp  Intel(R) Iris(R) Xe Graphics',
  ])('hardware: %s', (description) => {
    expect(isSoftwareRenderer(description)).toBe(false);
  });
});
