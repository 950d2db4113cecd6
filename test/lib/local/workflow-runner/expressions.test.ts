import {
  condition,
  evaluate,
  ExprScope,
  ExpressionError,
  interpolate,
} from '../../../../lib/local/workflow-runner/expressions';

const scope = (failed = false): ExprScope => ({
  contexts: {
    github: { sha: 'abc', event: { pull_request: { head: { sha: 'def' } } } },
    vars: { SERVING_URL: 'http://x', EMPTY: '' },
    steps: {
      promote: { outcome: 'success', outputs: { version: '5' } },
      train: { outcome: 'failure', outputs: {} },
    },
    env: { PYTHON_VERSION: '3.11' },
  },
  failed,
});

describe('workflow expressions', () => {
  test('context paths, with a missing key as empty', () => {
    // GIVEN the contexts WHEN strings are interpolated THEN each path resolves as on GitHub
    expect(
      interpolate('${{ github.event.pull_request.head.sha }}-${{ steps.promote.outputs.version }}', scope()),
    ).toBe('def-5');
    expect(interpolate('[${{ vars.NOT_SET }}]', scope())).toBe('[]');
    expect(interpolate("${{ github['sha'] }}", scope())).toBe('abc');
  });

  test('operators: ||, &&, ==, !=, ! and literals', () => {
    expect(evaluate("vars.EMPTY || 'fallback'", scope())).toBe('fallback');
    expect(evaluate("vars.SERVING_URL && 'yes'", scope())).toBe('yes');
    expect(evaluate("steps.promote.outcome == 'SUCCESS'", scope())).toBe(true);
    expect(evaluate("!(steps.train.outcome != 'failure')", scope())).toBe(true);
    expect(evaluate("'it''s'", scope())).toBe("it's");
    expect(evaluate('3 == 3.0', scope())).toBe(true);
  });

  test('conditions: the default is success(); status functions decide; without one, a failure skips', () => {
    expect(condition(undefined, scope(false))).toBe(true);
    expect(condition(undefined, scope(true))).toBe(false);
    expect(condition("failure() && steps.promote.outcome == 'success'", scope(true))).toBe(true);
    expect(condition('${{ failure() }}', scope(false))).toBe(false);
    expect(condition('always()', scope(true))).toBe(true);
    expect(condition("steps.promote.outcome == 'success'", scope(true))).toBe(false);
  });

  test.each([
    ['secrets.X', 'unknown context "secrets" in ${{ secrets.X }} (known: github, vars, steps, env)'],
    ['hashFiles()', 'function hashFiles() is not supported here, in ${{ hashFiles() }}'],
    ["'open", "unterminated string in ${{ 'open }}"],
    ['vars.A vars.B', 'unexpected "vars" in ${{ vars.A vars.B }}'],
    ['a # b', 'unexpected "#" in ${{ a # b }}'],
  ])('fails when the expression is %s', (src, message) => {
    expect(() => evaluate(src, scope())).toThrow(new ExpressionError(message));
  });
});
