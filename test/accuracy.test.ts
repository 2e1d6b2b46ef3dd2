// The shipped model on real data: a slice of the Fashion-MNIST test set through webvit (the shipped
// f16 safetensors, batched) against PyTorch's predictions and logits for the original checkpoint
// (weights/efficientvit_m0_fashion_mnist.torch.json). bench/accuracy.ts runs all 10,000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TORCH_PREDICTIONS, webvitPredictions, type TorchPredictions } from '../bench/accuracy.ts';
import { fashionMnistTest, haveFashionMnist } from '../bench/fashion-mnist.ts';

const COUNT = 300;

test(`shipped model: ${COUNT} Fashion-MNIST test images give PyTorch's predictions`, { skip: !haveFashionMnist() && 'dataset-fashion-mnist is not installed', timeout: 300_000 }, async () => {
  const torch = JSON.parse(readFileSync(TORCH_PREDICTIONS, 'utf8')) as TorchPredictions;
  const { predictions, logits } = await webvitPredictions(COUNT, 100);
  const labels = fashionMnistTest().labels;
  let differ = 0, right = 0, torchRight = 0;
  for (let i = 0; i < COUNT; i++) {
    differ += predictions[i] !== torch.predictions[i] ? 1 : 0;
    right += predictions[i] === labels[i] ? 1 : 0;
    torchRight += torch.predictions[i] === labels[i] ? 1 : 0;
  }
  // f16 weights may flip a prediction PyTorch made by a hair; at most 1 in 300 (the 10,000-image run: ≤ 0.1 %).
  assert.ok(differ <= 1, `${differ} of ${COUNT} predictions differ from PyTorch's`);
  assert.ok(Math.abs(right - torchRight) <= 1, `webvit ${right}, PyTorch ${torchRight} right of ${COUNT}`);
  assert.ok(right / COUNT >= 0.85, `top-1 ${right}/${COUNT}`);
  // The logits themselves, for the images PyTorch's file has them: within the f16 tolerance.
  const classes = torch.logits_head[0].length;
  let worst = 0;
  for (let i = 0; i < Math.min(COUNT, torch.logits_head.length); i++) {
    for (let c = 0; c < classes; c++) {
      const want = torch.logits_head[i][c], got = logits[i * classes + c];
      worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
    }
  }
  assert.ok(worst <= 1e-2, `logits differ from PyTorch's by up to ${worst.toExponential(2)} × max(1, |y|) (f16 tolerance 1e-2)`);
});
