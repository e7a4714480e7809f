import { parseArgs } from 'node:util';
import { createAdmin } from '@tekana/api';
import { registerInput } from '@tekana/contracts';
import { systemActor } from '@tekana/db';
import { runCommand, withDatabase } from './run-command';

const usage =
  'Usage: pnpm admin:create --email E --phone P --password X --first-name F --last-name L --id-number N [--id-type NID|PASSPORT] [--gender FEMALE|MALE]';

/**
 * `pnpm admin:create`: the first admin (there is no built-in default account). Migrates first, so it works
 * on a new database. Audited as admin.create by the system account.
 */
runCommand(async () => {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      phone: { type: 'string' },
      password: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      'id-number': { type: 'string' },
      'id-type': { type: 'string', default: 'NID' },
      gender: { type: 'string', default: 'FEMALE' },
    },
    strict: true,
  });
  const parsed = registerInput.safeParse({
    email: values.email,
    phoneNumber: values.phone,
    password: values.password,
    firstName: values['first-name'],
    lastName: values['last-name'],
    idNumber: values['id-number'],
    idType: values['id-type'],
    gender: values.gender,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    process.stderr.write(`${usage}\n${problems}\n`);
    return 2;
  }
  return withDatabase(async (database) => {
    const admin = await createAdmin(database, parsed.data, await systemActor(database.db));
    process.stdout.write(
      `Admin ${admin.email} created (id ${admin.id}). Log in with POST /api/v1/customers/login.\n`,
    );
    return 0;
  });
});
