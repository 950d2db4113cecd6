import { readFileSync } from 'fs';
import {
  CAPACITY_DOC,
  capacityTables,
  markdownTable,
  ROSTER_SIZES,
  withCurrentTables,
} from '../../scripts/capacity-doc';

describe('docs/capacity.md', () => {
  const doc = readFileSync(CAPACITY_DOC, 'utf8');

  test('its tables are what the sizing code computes (npm run docs:capacity rewrites them)', () => {
    // WHEN the tables are generated again from lib/config/capacity.ts and lib/core/capacity.ts
    // THEN the document holds exactly them
    expect(doc).toBe(withCurrentTables(doc));
  });

  test('the nodes table covers 10, 100 and 1,000 learners, for m6i.large and the t3 types', () => {
    // GIVEN the nodes table
    const rows = capacityTables()
      .nodes.split('\n')
      .slice(2)
      .map((line) => line.split('|').map((cell) => cell.trim()));
    // THEN one row per roster size, with its nodes per instance type
    expect(ROSTER_SIZES).toEqual([10, 100, 1000]);
    expect(rows.map((r) => [r[1], r[4], r[5]])).toEqual([
      ['10', '**4** (CPU)', '**4** (CPU)'],
      ['100', '**21** (CPU)', '**21** (CPU)'],
      ['1,000', '**197** (CPU)', '**197** (CPU)'],
    ]);
  });

  test('fails when a generated block is missing, naming it', () => {
    expect(() => withCurrentTables('# Capacity\n')).toThrow(
      `${CAPACITY_DOC}: no "<!-- generated:allocatable -->" ... "<!-- end generated:allocatable -->" block`,
    );
  });
});

describe('markdownTable', () => {
  test('pads every column to its widest cell, at least three characters, as Prettier does', () => {
    expect(markdownTable(['A', 'Longer'], [['wide cell', 'x']])).toBe(
      ['| A         | Longer |', '| --------- | ------ |', '| wide cell | x      |'].join('\n'),
    );
  });
});
