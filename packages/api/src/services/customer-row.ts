import type { Customer } from '@tekana/contracts';
import type { customers } from '@tekana/db';

/** A customer as the API shows it: never the password hash. */
export function toCustomer(row: typeof customers.$inferSelect): Customer {
  return {
    id: row.id,
    firstName: row.firstName,
    lastName: row.lastName,
    email: row.email,
    phoneNumber: row.phoneNumber,
    idType: row.idType,
    idNumber: row.idNumber,
    gender: row.gender,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
  };
}
