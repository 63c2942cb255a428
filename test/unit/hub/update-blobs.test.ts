import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateBlobs } from '../../../hub/db/update-blobs.ts';

describe('update blobs: an open round’s update weights, for a restart', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'fedunify-blobs-'));
    dirs.push(d);
    return d;
  };

  it('reads back what was written, from a second instance (a restarted hub)', async () => {
    const dir = fresh();
    await new UpdateBlobs(dir).put('job-1', 3, 'p-a', new Uint8Array([1, 2, 3]));
    expect(new UpdateBlobs(dir).get('job-1', 3, 'p-a')).toEqual(new Uint8Array([1, 2, 3]));
    expect(new UpdateBlobs(dir).get('job-1', 3, 'p-b')).toBeNull();
  });

  it('a unified round reads as empty at once and its files go', async () => {
    const dir = fresh();
    const blobs = new UpdateBlobs(dir);
    await blobs.put('job-1', 1, 'p-a', new Uint8Array([1]));
    await blobs.put('job-1', 10, 'p-a', new Uint8Array([2]));
    const dropping = blobs.dropRound('job-1', 1);
    expect(blobs.get('job-1', 1, 'p-a')).toBeNull();
    await dropping;
    expect(existsSync(join(dir, 'updates', 'job-1', '1'))).toBe(false);
    expect(blobs.get('job-1', 10, 'p-a')).toEqual(new Uint8Array([2]));
    blobs.dropJob('job-1');
    expect(existsSync(join(dir, 'updates', 'job-1'))).toBe(false);
  });

  it('keeps blobs in memory for a throwaway store, with the same behaviour', async () => {
    const blobs = new UpdateBlobs(null);
    await blobs.put('job-1', 1, 'p-a', new Uint8Array([7]));
    await blobs.put('job-1', 10, 'p-a', new Uint8Array([8]));
    await blobs.dropRound('job-1', 1);
    expect(blobs.get('job-1', 1, 'p-a')).toBeNull();
    expect(blobs.get('job-1', 10, 'p-a')).toEqual(new Uint8Array([8]));
  });

  it('refuses ids that would escape the folder', async () => {
    const blobs = new UpdateBlobs(fresh());
    await expect(blobs.put('../x', 1, 'p', new Uint8Array([1]))).rejects.toThrow(/file name/);
    expect(() => blobs.get('job', 1, 'a/../../b')).toThrow(/file name/);
  });
});
