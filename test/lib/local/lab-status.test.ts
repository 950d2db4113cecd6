import { logTail } from '../../../lib/local/lab-status';

describe("the end of a failed service's log", () => {
  test('the last lines, with every secret value replaced', () => {
    const log =
      Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\nauth failed for pw-0123456789\n';
    expect(logTail(log, ['pw-0123456789'], 3)).toBe('line 29\nline 30\nauth failed for ***');
  });
});
