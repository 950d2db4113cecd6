/**
 * `cohort-lab report <cohort-file>`: build the report from the synthesised app and write it; with
 * `--local` (the cohort's running local lab) or `--live` (the deployed cohort on AWS) add the
 * recent changes and the promotion lab's history read from it. Exit 0 written, 1 the environment cannot be read, 2 bad input.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { resolve } from 'path';
import { CohortConfigError, loadCohortFile } from '../../config';
import { defaultStateDir } from '../../local/lab';
import { LabUsageError } from '../../local/lab-rotate';
import { awsTarget } from '../validate/targets-aws';
import { localTarget } from '../validate/targets-local';
import { ValidateInputError } from '../validate/types';
import { buildReport, writeReport } from './index';
import { promotionHistorySection } from './promotions';
import { recentChangesSection } from './recent';

export interface ReportOptions {
  readonly out: string;
  readonly today: string;
  readonly allowExpired: boolean;
  readonly local: boolean;
  readonly state?: string;
  readonly live: boolean;
  readonly region?: string;
  readonly profile?: string;
  readonly mlflowUrl?: string;
  readonly bucket?: string;
}

export async function reportCommand(
  file: string,
  opts: ReportOptions,
  io: { out: (t: string) => void; err: (t: string) => void },
): Promise<number> {
  try {
    if (opts.local && opts.live) throw new ValidateInputError('--local and --live: give one environment');
    const config = loadCohortFile(file, { today: opts.today, allowExpired: opts.allowExpired || opts.local });
    const report = buildReport(config);
    let sections = report.sections;
    if (opts.local) {
      const target = await localTarget(
        config,
        opts.state === undefined ? defaultStateDir(config.name) : resolve(opts.state),
      );
      sections = [
        ...sections,
        await recentChangesSection(target, undefined, new Date()),
        await promotionHistorySection(target, config),
      ];
    } else if (opts.live) {
      const target = await awsTarget(config, opts);
      const region = opts.region ?? config.region;
      const cfn = new CloudFormationClient({
        region,
        ...(opts.profile === undefined ? {} : { profile: opts.profile }),
      });
      sections = [
        ...sections,
        await recentChangesSection(target, cfn, new Date()),
        await promotionHistorySection(target, config),
      ];
    }
    const written = writeReport({ ...report, sections }, opts.out);
    io.out(`Compliance report of ${config.name}: ${written.markdown}, ${written.html}`);
    return 0;
  } catch (err) {
    if (err instanceof CohortConfigError) {
      io.err(`Invalid cohort file:\n${err.message}`);
      return 2;
    }
    if (err instanceof ValidateInputError) {
      io.err(err.message);
      return 2;
    }
    if (err instanceof LabUsageError) {
      io.err(err.message);
      return err.exitCode;
    }
    io.err(`The report failed: ${(err as Error).name}: ${(err as Error).message}`);
    return 1;
  }
}
