import { join } from 'path';
import { parseWorkflow, readWorkflow, WorkflowError } from '../../../../lib/local/workflow-runner/workflow';

const WORKFLOWS = join(__dirname, '..', '..', '..', '..', 'labs', 'promotion', '.github', 'workflows');

describe('workflow files', () => {
  test("the lab's workflows parse, with their jobs in needs order and the environments of the contract", () => {
    // GIVEN labs/promotion's three workflows WHEN read THEN jobs come after what they need
    const ci = readWorkflow(join(WORKFLOWS, 'ci.yml'));
    expect(ci.on).toEqual(['pull_request']);
    expect(ci.jobs.map((j) => [j.id, j.environment ?? null])).toEqual([
      ['lint', null],
      ['test', null],
      ['candidate', 'staging'],
    ]);
    const promote = readWorkflow(join(WORKFLOWS, 'promote.yml'));
    expect(promote.jobs.map((j) => [j.id, j.environment, j.needs])).toEqual([
      ['staging', 'staging', []],
      ['production', 'production', ['staging']],
    ]);
    expect(readWorkflow(join(WORKFLOWS, 'rollback.yml')).on).toEqual(['workflow_dispatch']);
  });

  test('jobs are ordered by needs, whatever the file order', () => {
    const wf = parseWorkflow(
      'w.yml',
      'on: push\njobs:\n  c: {needs: [a, b], steps: [{run: x}]}\n  b: {needs: a, steps: [{run: x}]}\n  a: {steps: [{run: x}]}\n',
    );
    expect(wf.jobs.map((j) => j.id)).toEqual(['a', 'b', 'c']);
  });

  test.each([
    [
      'on: push\njobs:\n  a: {needs: [b], steps: [{run: x}]}\n  b: {needs: [a], steps: [{run: x}]}\n',
      'w.yml: jobs a, b need each other (a cycle)',
    ],
    ['on: push\njobs:\n  a: {needs: [z], steps: [{run: x}]}\n', 'w.yml: jobs.a.needs names no job "z"'],
    [
      'on: push\njobs:\n  a: {strategy: {}, steps: [{run: x}]}\n',
      'w.yml: jobs.a.strategy is not supported by the local runner',
    ],
    [
      'on: push\njobs:\n  a: {steps: [{run: x, uses: y}]}\n',
      'w.yml: jobs.a.steps[0] must have exactly one of run or uses',
    ],
    [
      'on: push\njobs:\n  a: {steps: [{run: x, shell: pwsh}]}\n',
      'w.yml: jobs.a.steps[0].shell "pwsh": the local runner runs bash only',
    ],
    [
      'on: push\npermissions: write-all\njobs:\n  a: {steps: [{run: x}]}\n',
      'w.yml: permissions "write-all" grants every scope; list the scopes a job needs',
    ],
    ['on: push\njobs: {}\n', 'w.yml: jobs must be a non-empty map'],
  ])('fails when the workflow is bad (%#)', (text, message) => {
    expect(() => parseWorkflow('w.yml', text)).toThrow(new WorkflowError(message));
  });
});
