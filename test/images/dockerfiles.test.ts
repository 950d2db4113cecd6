import { readFileSync } from 'fs';
import { join } from 'path';
import { BUILT_IMAGES, LAB_UID } from '../../lib/core';

/**
 * The images and the charts agree on the one lab uid: the charts run every container as LAB_UID
 * (runAsNonRoot needs a numeric USER), so each image must create that user and switch to it.
 * A Dockerfile cannot import the constant; this test is what keeps the two in step.
 */
const REPO_ROOT = join(__dirname, '..', '..');

describe.each(BUILT_IMAGES)('images/%s/Dockerfile', (image) => {
  // GIVEN the Dockerfile, with continuation lines joined
  const dockerfile = readFileSync(join(REPO_ROOT, 'images', image, 'Dockerfile'), 'utf8').replace(
    /\\\n/g,
    ' ',
  );

  test('creates the lab user and group with LAB_UID', () => {
    // THEN groupadd and useradd use exactly LAB_UID
    expect(dockerfile).toMatch(new RegExp(`groupadd --system --gid ${LAB_UID} ${image}\\b`));
    expect(dockerfile).toMatch(new RegExp(`useradd --system --uid ${LAB_UID} --gid ${LAB_UID} `));
  });

  test('runs as LAB_UID, numerically, in the final stage', () => {
    // THEN the last USER instruction is LAB_UID:LAB_UID
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)\s*$/gm)].map((m) => m[1]);
    expect(users[users.length - 1]).toBe(`${LAB_UID}:${LAB_UID}`);
  });
});
