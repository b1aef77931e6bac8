import 'reflect-metadata';
import { LISTEN_BACKLOG, loadConfig } from '@switchboard/config';
import { EarlyListener } from './early-listener';
import type { BoundGateway } from './run-gateway';

/** The config, then the port bound at once, before the application's modules load (EarlyListener). */
async function bindEarly(): Promise<BoundGateway> {
  const config = loadConfig(process.env, 'gateway');
  return { config, early: await EarlyListener.listen(config.port, LISTEN_BACKLOG) };
}

const bound = bindEarly();
// Its failure (a bad variable, a port in use) is reported by runService, which loads below.
bound.catch(() => undefined);

void import('./run-gateway').then(({ runGateway }) => runGateway(bound));
