// A checkout of an earlier commit beside this tree, for the scripts that compare the two
// (bench/compare.ts, bench/same-plans.ts): a temporary git worktree sharing this tree's node_modules,
// with a scratch folder for the comparison's files; `remove()` deletes both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();

export interface BaseWorktree { commit: string; dir: string; scratch: string; remove(): void }

/** `rev` (a commit, tag or branch) checked out in a temporary worktree; `label` names its scratch folder. */
export function baseWorktree(rev: string, label: string): BaseWorktree {
  const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
  const scratch = mkdtempSync(path.join(tmpdir(), `webvit-${label}-`));
  const dir = path.join(scratch, 'base');
  git('worktree', 'add', '--detach', dir, commit);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return {
    commit, dir, scratch,
    remove: () => { git('worktree', 'remove', '--force', dir); rmSync(scratch, { recursive: true, force: true }); },
  };
}
