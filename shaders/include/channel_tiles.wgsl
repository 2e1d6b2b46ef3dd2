// Channel-block workgroups, shared by patch_embed.wgsl and local_prop_proj.wgsl: a workgroup owns
// all channels of WG / NCB pixel tiles, invocation (g, cb) channels 16cb..16cb+15 of tile g in a
// 16 × 16 register tile (tile16x16.wgsl); channelGroupTiling in src/ops/patch-embed.ts sizes it.
// The including kernel declares
//   p: params with groups (workgroups per image), tilesP (pixel tiles per image), count (B · groups)
//   red: var<workgroup> array<vec4<f32>, WG * 4>
//   override NCB: u32                        channel blocks of 16 per pixel tile
//   override WG: u32                         NCB · pixel tiles per workgroup
// and includes layer_norm.wgsl (tile_ln's LnStats).

struct GroupTile { b: u32, g: u32, cb: u32, tile: u32, mine: bool }

// This invocation's image b, tile slot g, channel block cb and pixel tile. Workgroups past the last
// one (the grid is folded into y when large) and tiles past the plane are not `mine`: they compute
// a clamped copy (image and tile of the last workgroup) and only join the barriers.
fn group_tile(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> GroupTile {
  let grp = min(wid.x + wid.y * nwg.x, p.count - 1u);
  let g = lid / NCB;
  let tile = (grp % p.groups) * (WG / NCB) + g;
  return GroupTile(grp / p.groups, g, lid % NCB, tile, wid.x + wid.y * nwg.x < p.count && tile < p.tilesP);
}

// Σ over the NCB channel blocks of pixel tile g of each invocation's s (4 quads = 16 pixels).
fn tile_sum(lid: u32, g: u32, s: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  red[lid * 4u] = s[0]; red[lid * 4u + 1u] = s[1]; red[lid * 4u + 2u] = s[2]; red[lid * 4u + 3u] = s[3];
  workgroupBarrier();
  var t = array<vec4<f32>, 4>();
  for (var i = 0u; i < NCB; i++) {
    let j = (g * NCB + i) * 4u;
    t[0] += red[j]; t[1] += red[j + 1u]; t[2] += red[j + 2u]; t[3] += red[j + 3u];
  }
  workgroupBarrier(); // red is written again by the next call
  return t;
}

// The LayerNorm mean and rstd of the 16 pixels of tile g over all n channels, from each channel
// block's statistics st (all taken with the same shift): Chan's merge through two workgroup sums.
struct TileLn { mean: array<vec4<f32>, 4>, rstd: array<vec4<f32>, 4> }
fn tile_ln(lid: u32, g: u32, st: array<LnStats, 4>, n: f32, eps: f32) -> TileLn {
  let sum = tile_sum(lid, g, array<vec4<f32>, 4>(st[0].n * st[0].mean, st[1].n * st[1].mean, st[2].n * st[2].mean, st[3].n * st[3].mean));
  let mean = array<vec4<f32>, 4>(sum[0] / n, sum[1] / n, sum[2] / n, sum[3] / n);
  let m2 = tile_sum(lid, g, array<vec4<f32>, 4>(ln_part_m2(st[0], mean[0]), ln_part_m2(st[1], mean[1]),
                                                ln_part_m2(st[2], mean[2]), ln_part_m2(st[3], mean[3])));
  return TileLn(mean, array<vec4<f32>, 4>(ln_rstd(LnStats(n, mean[0], m2[0]), eps), ln_rstd(LnStats(n, mean[1], m2[1]), eps),
                                          ln_rstd(LnStats(n, mean[2], m2[2]), eps), ln_rstd(LnStats(n, mean[3], m2[3]), eps)));
}
