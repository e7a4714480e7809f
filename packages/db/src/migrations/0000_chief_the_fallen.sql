CREATE TYPE "public"."channel_type" AS ENUM('WEB', 'APP', 'KIOSK', 'USSD');--> statement-breakpoint
CREATE TYPE "public"."currency_code" AS ENUM('RWF', 'USD');--> statement-breakpoint
CREATE TYPE "public"."gender" AS ENUM('FEMALE', 'MALE');--> statement-breakpoint
CREATE TYPE "public"."id_type" AS ENUM('NID', 'PASSPORT');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('CUSTOMER', 'ADMIN', 'SYSTEM');--> statement-breakpoint
CREATE TYPE "public"."transaction_status" AS ENUM('COMPLETED', 'REVERSED', 'FAILED', 'CANCELLED', 'PENDING');--> statement-breakpoint
CREATE TYPE "public"."transaction_type_status" AS ENUM('ACTIVE', 'INACTIVE');--> statement-breakpoint
CREATE TYPE "public"."wallet_status" AS ENUM('ACTIVE', 'INACTIVE', 'DORMANT');--> statement-breakpoint
CREATE TABLE "customers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"email" text NOT NULL,
	"phone_number" text NOT NULL,
	"id_type" "id_type" NOT NULL,
	"id_number" text NOT NULL,
	"gender" "gender" NOT NULL,
	"role" "role" DEFAULT 'CUSTOMER' NOT NULL,
	"password_hash" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transaction_types" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"minimum_amount" bigint NOT NULL,
	"maximum_amount" bigint NOT NULL,
	"status" "transaction_type_status" DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transaction_types_code_unique" UNIQUE("code"),
	CONSTRAINT "transaction_types_limits" CHECK (0 < "transaction_types"."minimum_amount" and "transaction_types"."minimum_amount" <= "transaction_types"."maximum_amount")
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference_number" text NOT NULL,
	"external_reference_number" text NOT NULL,
	"request_hash" text NOT NULL,
	"transaction_type_id" uuid NOT NULL,
	"channel_type" "channel_type" NOT NULL,
	"debited_wallet_id" uuid NOT NULL,
	"credited_wallet_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"currency_code" "currency_code" NOT NULL,
	"debited_wallet_balance" bigint NOT NULL,
	"credited_wallet_balance" bigint NOT NULL,
	"status" "transaction_status" DEFAULT 'COMPLETED' NOT NULL,
	"status_message" text,
	"reversal_of" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transactions_reference_number_unique" UNIQUE("reference_number"),
	CONSTRAINT "transactions_external_reference_number_unique" UNIQUE("external_reference_number"),
	CONSTRAINT "transactions_amount_positive" CHECK ("transactions"."amount" > 0),
	CONSTRAINT "transactions_two_wallets" CHECK ("transactions"."debited_wallet_id" <> "transactions"."credited_wallet_id")
);
--> statement-breakpoint
CREATE TABLE "wallet_type_rules" (
	"transaction_type_id" uuid NOT NULL,
	"wallet_type_id" uuid NOT NULL,
	"debit_allowed" boolean NOT NULL,
	"credit_allowed" boolean NOT NULL,
	CONSTRAINT "wallet_type_rules_transaction_type_id_wallet_type_id_pk" PRIMARY KEY("transaction_type_id","wallet_type_id")
);
--> statement-breakpoint
CREATE TABLE "wallet_types" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"minimum_transaction_amount" bigint NOT NULL,
	"maximum_transaction_amount" bigint NOT NULL,
	"allow_negative_balance" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wallet_types_code_unique" UNIQUE("code"),
	CONSTRAINT "wallet_types_limits" CHECK (0 < "wallet_types"."minimum_transaction_amount" and "wallet_types"."minimum_transaction_amount" <= "wallet_types"."maximum_transaction_amount")
);
--> statement-breakpoint
CREATE TABLE "wallets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"customer_id" uuid NOT NULL,
	"wallet_type_id" uuid NOT NULL,
	"currency_code" "currency_code" NOT NULL,
	"account_number" text NOT NULL,
	"current_balance" bigint DEFAULT 0 NOT NULL,
	"status" "wallet_status" DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wallets_account_number_unique" UNIQUE("account_number")
);
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_transaction_type_id_transaction_types_id_fk" FOREIGN KEY ("transaction_type_id") REFERENCES "public"."transaction_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_debited_wallet_id_wallets_id_fk" FOREIGN KEY ("debited_wallet_id") REFERENCES "public"."wallets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_credited_wallet_id_wallets_id_fk" FOREIGN KEY ("credited_wallet_id") REFERENCES "public"."wallets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_type_rules" ADD CONSTRAINT "wallet_type_rules_transaction_type_id_transaction_types_id_fk" FOREIGN KEY ("transaction_type_id") REFERENCES "public"."transaction_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_type_rules" ADD CONSTRAINT "wallet_type_rules_wallet_type_id_wallet_types_id_fk" FOREIGN KEY ("wallet_type_id") REFERENCES "public"."wallet_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_wallet_type_id_wallet_types_id_fk" FOREIGN KEY ("wallet_type_id") REFERENCES "public"."wallet_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "customers_email_lower_key" ON "customers" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "customers_phone_number_key" ON "customers" USING btree ("phone_number");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_id_number_key" ON "customers" USING btree ("id_number");--> statement-breakpoint
CREATE INDEX "customers_created_at_id_idx" ON "customers" USING btree ("created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_reversal_of_key" ON "transactions" USING btree ("reversal_of");--> statement-breakpoint
CREATE INDEX "transactions_created_at_id_idx" ON "transactions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_debited_wallet_idx" ON "transactions" USING btree ("debited_wallet_id","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_credited_wallet_idx" ON "transactions" USING btree ("credited_wallet_id","created_at","id");--> statement-breakpoint
CREATE INDEX "wallets_customer_id_idx" ON "wallets" USING btree ("customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "wallets_created_at_id_idx" ON "wallets" USING btree ("created_at","id");