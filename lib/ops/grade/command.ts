/**
 * `cohort-lab grade [answers...]`: grade, write the four result files into `--out` (only once
 * every input has passed its checks), print a summary. Exit 0 every learner passed; 1 the results
 * are written and someone failed or, with `--roster`, handed in nothing (a finding to follow up,
 * as `list` reports an expired environment); 2 bad input (every problem listed, nothing written).
 */
import { isAbsolute, relative, resolve, sep } from 'path';
import { CohortConfigError, loadCohortFile } from '../../config';
import { gradeAnswers, GradeInputError, percent, points, renderAll, writeAtomically } from './index';

export interface GradeOptions {
  readonly quiz: string;
  readonly key: string;
  readonly out: string;
  readonly roster?: string;
  readonly json: boolean;
}

export function gradeCommand(
  inputs: readonly string[],
  opts: GradeOptions,
  io: { out: (t: string) => void; err: (t: string) => void },
): number {
  try {
    const roster =
      opts.roster === undefined
        ? undefined
        : (() => {
            const config = loadCohortFile(opts.roster, { allowExpired: true });
            return { name: config.name, learners: config.learners.map((l) => l.slug) };
          })();
    refuseLearnerFacingOut(opts.out);
    const report = gradeAnswers({ quizFile: opts.quiz, keyFile: opts.key, answers: inputs, roster });
    const written = writeAtomically(opts.out, renderAll(report));
    const failed = report.scores.filter((s) => !s.passed).map((s) => s.learner);
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            quiz: report.quiz.module.id,
            passPercent: report.quiz.passPercent,
            learners: report.scores.map((s) => ({
              learner: s.learner,
              file: s.file,
              score: s.score,
              maxScore: s.maxScore,
              percent: s.percent,
              passed: s.passed,
              objectives: Object.fromEntries(s.objectives),
            })),
            missing: report.missing,
            questions: report.questions,
            objectives: report.objectives,
            written,
          },
          null,
          2,
        ),
      );
    } else {
      const width = Math.max(
        7,
        ...report.scores.map((s) => s.learner.length),
        ...report.missing.map((m) => m.length),
      );
      io.out(
        [
          `${report.quiz.module.id}: ${report.scores.length} graded, ${report.scores.length - failed.length} passed (pass at ${report.quiz.passPercent}%).`,
          ...report.scores.map(
            (s) =>
              `  ${s.learner.padEnd(width)}  ${`${points(s.score)}/${points(s.maxScore)}`.padStart(9)}  ${percent(s.percent).padStart(5)}%  ${s.passed ? 'pass' : 'FAIL'}`,
          ),
          ...report.missing.map((m) => `  ${m.padEnd(width)}  no answer file`),
          `Wrote ${written.join(', ')}`,
        ].join('\n'),
      );
    }
    return failed.length > 0 || report.missing.length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof GradeInputError) {
      io.err(`Nothing graded, nothing written: ${err.problems.length} problem(s) to fix.\n${err.message}`);
      return 2;
    }
    if (err instanceof CohortConfigError) {
      io.err(`Invalid cohort file:\n${err.message}`);
      return 2;
    }
    io.err(`Grading failed: ${(err as Error).name}: ${(err as Error).message}`);
    return 1;
  }
}

/** Where learners' material lives: results (everyone's scores) must never be written there. */
const LEARNER_FACING_DIR = 'labs';

/** Refuse an `--out` inside `labs/`: results name every learner's score, and labs/ is handed out. */
function refuseLearnerFacingOut(out: string): void {
  const rel = relative(resolve(LEARNER_FACING_DIR), resolve(out));
  if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) {
    throw new GradeInputError([
      {
        file: '--out',
        path: '',
        message: `is inside ${LEARNER_FACING_DIR}/, which learners receive; write the results elsewhere`,
        value: out,
      },
    ]);
  }
}
