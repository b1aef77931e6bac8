import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

// tools/ is no project of its own: its module is loaded by path (see embedded-postgres-loader.spec).
const { SERVICE_NODE_FLAGS } = jest.requireActual<
  typeof import('../../../../tools/testing/test-services')
>(join(ROOT, 'tools/testing/test-services'));

const SERVICES = ['gateway', 'notifications', 'history'] as const;

/** The words between `node` and the service's script in a launch command. */
function flagsBefore(command: readonly string[], script: string): string[] {
  expect(command[0]).toBe('node');
  expect(command).toContain(script);
  return command.slice(1, command.indexOf(script));
}

// The tests and the benchmark start services with SERVICE_NODE_FLAGS, users with the npm scripts and
// the Dockerfiles: a flag in one and not the others would measure something that is not deployed.
describe.each(SERVICES)('the %s service’s node flags', (service) => {
  const script = `dist/apps/${service}/src/main.js`;

  it('are the same in its npm script as in the test and bench harnesses', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const command = scripts[`start:${service}`].split(/\s+/);
    expect(flagsBefore(command, script)).toEqual(SERVICE_NODE_FLAGS[service]);
  });

  it('are the same in its Dockerfile’s CMD', () => {
    const dockerfile = readFileSync(join(ROOT, `apps/${service}/Dockerfile`), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    const command = JSON.parse(cmd?.[1] ?? '[]') as string[];
    expect(flagsBefore(command, script)).toEqual(SERVICE_NODE_FLAGS[service]);
  });
});
