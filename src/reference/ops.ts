// The CPU reference ops, one import for tests and model references. Plain float64 loops, not fast.
export { conv2d, convTranspose2dDepthwise, type Conv2dOptions, type Pair, type Shape4, type Tensor4 } from './conv.ts';
export { add, erf, erfc, gelu, geluScalar, mul, relu, sigmoid, sigmoidScalar, softmaxRows } from './elementwise.ts';
export { batchNorm2d, layerNormChannels, layerNormRows, linear, meanPoolHW, type BatchNormParams } from './norm.ts';
export {
  attentionBiasIdxs, cascadedGroupAttention, localWindowAttention, multiHeadAttention, numBiasOffsets, windowResolutionOf,
  type CascadedAttentionParams, type ConvWeights,
} from './attention.ts';
export { squeezeExcite } from './squeeze-excite.ts';
export { roll, shiftedWindowAttention } from './swin.ts';
export { foldBatchNorm } from './fold.ts';
