/** Locations of the repository's files, from the compiled test in out/test/unit/experiment/. */
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/experiments');
export const BROKEN_FIXTURES = path.join(FIXTURES, 'broken');
export const VALID_FIXTURES = path.join(FIXTURES, 'valid');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');
