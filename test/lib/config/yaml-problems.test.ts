import { parseDocument } from 'yaml';
import { ConfigProblem, formatProblem } from '../../../lib/config';
import { withWrittenValues } from '../../../lib/config/yaml-problems';

describe('withWrittenValues', () => {
  const doc = parseDocument(
    [
      'account: 0111122223333',
      'compute: { minNodes: 05, maxNodes: 0x10 }',
      'learners: [{ id: 007, displayName: 1.50 }]',
    ].join('\n'),
    { schema: 'core' },
  );
  const problem = (path: string, value: unknown): ConfigProblem => ({
    file: 'f.yaml',
    path,
    message: 'is wrong',
    value,
  });

  test('shows a number as the file spells it', () => {
    // WHEN
    const problems = withWrittenValues(
      [
        problem('account', 111122223333),
        problem('compute.maxNodes', 16),
        problem('learners[0].id', 7),
        problem('learners[0].displayName', 1.5),
      ],
      doc,
    );

    // THEN
    expect(problems.map(formatProblem)).toEqual([
      'f.yaml: account: is wrong (got 0111122223333)',
      'f.yaml: compute.maxNodes: is wrong (got 0x10)',
      'f.yaml: learners[0].id: is wrong (got 007)',
      'f.yaml: learners[0].displayName: is wrong (got 1.50)',
    ]);
  });

  test('leaves a value alone that is not the one at its path in the file', () => {
    // GIVEN a problem about a computed value, and one about a field the file does not have
    const problems = [
      problem('compute.minNodes', 3),
      problem('compute.spot', true),
      problem('compute', { minNodes: 5 }),
    ];

    // WHEN
    const shown = withWrittenValues(problems, doc);

    // THEN
    expect(shown).toEqual(problems);
  });
});
