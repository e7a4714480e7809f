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
      },
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
      },
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
      },
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
      },
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
      },
    })
    .input(z.void())
    .output(customerSchema)
    .query(({ ctx }) => ctx.services.customers.me(ctx.actor)),
} satisfies TRPCRouterRecord;
