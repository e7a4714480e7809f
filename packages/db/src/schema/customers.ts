import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { gender, idType, role } from './enums';

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    email: text('email').notNull(),
    phoneNumber: text('phone_number').notNull(),
    idType: idType('id_type').notNull(),
    idNumber: text('id_number').notNull(),
    gender: gender('gender').notNull(),
    role: role('role').notNull().default('CUSTOMER'),
    /** argon2id; null for the system account, which can never log in. */
    passwordHash: text('password_hash'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('customers_email_lower_key').on(sql`lower(${t.email})`),
    uniqueIndex('customers_phone_number_key').on(t.phoneNumber),
    uniqueIndex('customers_id_number_key').on(t.idNumber),
    index('customers_created_at_id_idx').on(t.createdAt, t.id),
    // The admin's list by name, newest first: each name's customers in list order. Both names given,
    // the last name's index with the first name as a filter reads a few dozen rows.
    index('customers_first_name_idx').on(t.firstName, t.createdAt, t.id),
    index('customers_last_name_idx').on(t.lastName, t.createdAt, t.id),
    // The admins (and the system account) among a million customers; CUSTOMER is most rows, read in list order.
    index('customers_role_idx').on(t.role, t.createdAt, t.id).where(sql`${t.role} <> 'CUSTOMER'`),
  ],
);
