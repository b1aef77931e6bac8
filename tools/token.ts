import { JwtService } from '@nestjs/jwt';
import { readDevSecrets } from './dev-environment';

/**
 * `npm run token -- <userId> [displayName]`: a development JWT (HS256, sub = userId, name, one day),
 * signed with JWT_SECRET, else with the secret `npm start` keeps in .data/dev-secrets.json.
 */
function main(): void {
  const [userId, name] = process.argv.slice(2);
  if (!userId) throw new Error('usage: npm run token -- <userId> [displayName]');
  const secret = process.env.JWT_SECRET || readDevSecrets()?.jwtSecret;
  if (!secret)
    throw new Error('set JWT_SECRET, or run `npm start` once to create .data/dev-secrets.json');
  const token = new JwtService({ secret }).sign(
    { sub: userId, name: name ?? userId },
    { algorithm: 'HS256', expiresIn: '1d' },
  );
  process.stdout.write(`${token}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`token: ${(error as Error).message}\n`);
  process.exit(1);
}
