import {
  customerFindInput,
  customerListInput,
  customerSchema,
  loginInput,
  loginOutput,
  logoutOutput,
  pageOf,
  registerInput,
  validateOtpInput,
  validateOtpOutput,
} from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { customerProcedure, publicProcedure } from '../trpc';

const tags = ['customers'];

export const customerRouter = {
  register: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/customers/register',
        tags,
        protect: false,
        summary: 'Register a customer',
        description:
          'Opens a CUSTOMER account; sign in with login then validateOtp. The email (any case), phone ' +
          'number and ID number must each be new (409 names the one that is taken).',
      },
      errors: ['CONFLICT'],
      message: 'Customer registered',
      created: true,
      writtenFor: (customer) => (customer as { id?: string } | undefined)?.id,
    })
    .input(registerInput)
    .output(customerSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.register(input)),

  login: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/customers/login',
        tags,
        protect: false,
        summary: 'Check the password and send an OTP by SMS',
        description:
          'The first step of signing in: a right email and password sends a 6-digit code by SMS to the ' +
          "account's phone (shown masked). Attempts are limited per email and per client address (429).",
      },
      errors: ['INVALID_CREDENTIALS', 'TOO_MANY_REQUESTS'],
      message: 'OTP sent',
    })
    .input(loginInput)
    .output(loginOutput)
    .mutation(({ ctx, input }) => ctx.services.auth.login(input, ctx.ip)),

  validateOtp: publicProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/customers/validateOtp',
        tags,
        protect: false,
        summary: 'Exchange the OTP for a token',
        description:
          'The second step of signing in: the code sent by login, for a bearer token (beside data, which ' +
          'is the customer). A code is good once, for OTP_TTL_SECONDS; too many wrong ones void it.',
      },
      errors: ['INVALID_OTP', 'TOO_MANY_REQUESTS'],
      message: 'OTP validated',
      envelopeToken: true,
    })
    .input(validateOtpInput)
    .output(validateOtpOutput)
    .mutation(({ ctx, input }) => ctx.services.auth.validateOtp(input, ctx.ip)),

  logout: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/customers/logout',
        tags,
        protect: true,
        summary: "Sign out: the caller's token is refused from now until it expires",
        description:
          'Revokes the bearer token sent with this request, on every server within a second. No body. ' +
          "The caller's other tokens stay valid.",
      },
      message: 'Signed out',
    })
    .input(z.void())
    .output(logoutOutput)
    .mutation(({ ctx }) => ctx.services.auth.logout(ctx.token)),

  list: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/customers',
        tags,
        protect: true,
        summary: 'List customers (a customer sees only self)',
        description:
          'Newest first, filtered by any field (old snake_case names accepted too); pages by limit and ' +
          'cursor, or the old page and pageSize.',
      },
    })
    .input(customerListInput)
    .output(pageOf(customerSchema))
    .query(({ ctx, input }) => ctx.services.customers.list(ctx.actor, input)),

  find: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/customers/find',
        tags,
        protect: true,
        summary: 'Find one customer by id, email, phone_number or id_number',
        description:
          'Give at least one key (400 otherwise). A customer finds only themselves: anyone else is 404.',
      },
      errors: ['NOT_FOUND'],
    })
    .input(customerFindInput)
    .output(customerSchema)
    .query(({ ctx, input }) => ctx.services.customers.find(ctx.actor, input)),

  me: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/customers/me',
        tags,
        protect: true,
        summary: 'The signed-in customer',
        description: 'The account the bearer token belongs to.',
      },
      errors: ['NOT_FOUND'],
    })
    .input(z.void())
    .output(customerSchema)
    .query(({ ctx }) => ctx.services.customers.me(ctx.actor)),
} satisfies TRPCRouterRecord;
