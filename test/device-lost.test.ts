// A lost device gives an error that says what happened and what to do, not a hang or a crash.
// (Own file: it destroys the device that every test in this process would share.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';

test('after the device is lost, run() says so and how to recover', { skip: !torchAvailable() && 'python3-torch is not installed' }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const rt = await runtime();
  const m = Model.fromBytes(rt, 'efficientvit_m0', c.pth);
  await m.run(c.input, 1, 224, 224);
  rt.gpu.device.destroy();
  await rt.gpu.device.lost;
  await assert.rejects(m.run(c.input, 1, 224, 224), /GPU device was lost .*open a new runtime .*and load the model again/);
});
