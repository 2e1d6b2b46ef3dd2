  // The 16 × 16 register tile's 64 vec4 accumulators c<row>_<pixel quad> (see tile16x16_step.wgsl).
  var c0_0 = vec4<f32>(); var c0_1 = vec4<f32>(); var c0_2 = vec4<f32>(); var c0_3 = vec4<f32>();
  var c1_0 = vec4<f32>(); var c1_1 = vec4<f32>(); var c1_2 = vec4<f32>(); var c1_3 = vec4<f32>();
  var c2_0 = vec4<f32>(); var c2_1 = vec4<f32>(); var c2_2 = vec4<f32>(); var c2_3 = vec4<f32>();
  var c3_0 = vec4<f32>(); var c3_1 = vec4<f32>(); var c3_2 = vec4<f32>(); var c3_3 = vec4<f32>();
  var c4_0 = vec4<f32>(); var c4_1 = vec4<f32>(); var c4_2 = vec4<f32>(); var c4_3 = vec4<f32>();
  var c5_0 = vec4<f32>(); var c5_1 = vec4<f32>(); var c5_2 = vec4<f32>(); var c5_3 = vec4<f32>();
  var c6_0 = vec4<f32>(); var c6_1 = vec4<f32>(); var c6_2 = vec4<f32>(); var c6_3 = vec4<f32>();
  var c7_0 = vec4<f32>(); var c7_1 = vec4<f32>(); var c7_2 = vec4<f32>(); var c7_3 = vec4<f32>();
  var c8_0 = vec4<f32>(); var c8_1 = vec4<f32>(); var c8_2 = vec4<f32>(); var c8_3 = vec4<f32>();
  var c9_0 = vec4<f32>(); var c9_1 = vec4<f32>(); var c9_2 = vec4<f32>(); var c9_3 = vec4<f32>();
  var c10_0 = vec4<f32>(); var c10_1 = vec4<f32>(); var c10_2 = vec4<f32>(); var c10_3 = vec4<f32>();
  var c11_0 = vec4<f32>(); var c11_1 = vec4<f32>(); var c11_2 = vec4<f32>(); var c11_3 = vec4<f32>();
  var c12_0 = vec4<f32>(); var c12_1 = vec4<f32>(); var c12_2 = vec4<f32>(); var c12_3 = vec4<f32>();
  var c13_0 = vec4<f32>(); var c13_1 = vec4<f32>(); var c13_2 = vec4<f32>(); var c13_3 = vec4<f32>();
  var c14_0 = vec4<f32>(); var c14_1 = vec4<f32>(); var c14_2 = vec4<f32>(); var c14_3 = vec4<f32>();
  var c15_0 = vec4<f32>(); var c15_1 = vec4<f32>(); var c15_2 = vec4<f32>(); var c15_3 = vec4<f32>();
