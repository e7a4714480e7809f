import {
  type Actor,
  type Customer,
  type CustomerFindInput,
  type CustomerListInput,
  DomainError,
  type Page,
} from '@tekana/contracts';
import { customers, type Database, listPage } from '@tekana/db';
import { and, eq, sql } from 'drizzle-orm';
import { toCustomer } from './api-rows';

export type CustomerService = ReturnType<typeof createCustomerService>;

export function createCustomerService({ database }: { database: Database }) {
  const { reader } = database;
  // A customer sees only their own record; an admin sees everyone.
  const visibleTo = (actor: Actor) => (actor.role === 'ADMIN' ? undefined : eq(customers.id, actor.id));

  return {
    async list(actor: Actor, input: CustomerListInput): Promise<Page<Customer>> {
      const filters = [
        visibleTo(actor),
        input.id ? eq(customers.id, input.id) : undefined,
        input.firstName ? eq(customers.firstName, input.firstName) : undefined,
        input.lastName ? eq(customers.lastName, input.lastName) : undefined,
        input.email ? eq(sql`lower(${customers.email})`, input.email) : undefined,
        input.phoneNumber ? eq(customers.phoneNumber, input.phoneNumber) : undefined,
        input.idType ? eq(customers.idType, input.idType) : undefined,
        input.idNumber ? eq(customers.idNumber, input.idNumber) : undefined,
        input.gender ? eq(customers.gender, input.gender) : undefined,
        input.role ? eq(customers.role, input.role) : undefined,
      ];
      const from = reader.select().from(customers);
      return listPage(input, { from, keyset: customers, filters, toItem: toCustomer });
    },

    /** By id, email, phone number or ID number; a customer can find only themselves. */
    async find(actor: Actor, input: CustomerFindInput): Promise<Customer> {
      const where = and(
        visibleTo(actor),
        input.id ? eq(customers.id, input.id) : undefined,
        input.email ? eq(sql`lower(${customers.email})`, input.email) : undefined,
        input.phoneNumber ? eq(customers.phoneNumber, input.phoneNumber) : undefined,
        input.idNumber ? eq(customers.idNumber, input.idNumber) : undefined,
      );
      const [row] = await reader.select().from(customers).where(where).limit(1);
      if (!row) throw new DomainError('NOT_FOUND', 'No such customer');
      return toCustomer(row);
    },

    async me(actor: Actor): Promise<Customer> {
      const [row] = await database.db.select().from(customers).where(eq(customers.id, actor.id)).limit(1);
      if (!row) throw new DomainError('NOT_FOUND', 'Your account no longer exists');
      return toCustomer(row);
    },
  };
}
