import { BenchEnvironment } from '../harness/environment';
import { CaseResult } from '../harness/report';

/** What every scenario gets: the run's services, and whether this is the CI smoke run. */
export interface ScenarioContext {
  env: BenchEnvironment;
  quick: boolean;
  /** False for a target left out with `--only` (while working on one target's figures). */
  selects(target: string): boolean;
  /** True only for a target named with `--only`: reference rows kept out of the default run. */
  names(target: string): boolean;
  /** Hands each finished case to the run (printed at once, written at the end). */
  report(result: CaseResult): void;
}

export type Scenario = (context: ScenarioContext) => Promise<void>;
