-- Postings partitioned by month of created_at (docs/ARCHITECTURE.md, "Postings by month"). Hand-written:
-- drizzle cannot say PARTITION BY. The schema (src/schema/ledger.ts) describes the logical table and this
-- migration's snapshot matches it, so drizzle-kit generate finds nothing to undo. Runs in the migrator's
-- one transaction: the old table's rows move into monthly partitions, or nothing changes.
--
-- 1. The old table steps aside; its keys and indexes go (their names are taken again below).
ALTER TABLE "transactions" RENAME TO "transactions_unpartitioned";--> statement-breakpoint
ALTER TABLE "transactions_unpartitioned" DROP CONSTRAINT "transactions_pkey";--> statement-breakpoint
ALTER TABLE "transactions_unpartitioned" DROP CONSTRAINT "transactions_reference_number_unique";--> statement-breakpoint
ALTER TABLE "transactions_unpartitioned" DROP CONSTRAINT "transactions_external_reference_number_unique";--> statement-breakpoint
DROP INDEX "transactions_reversal_of_key";--> statement-breakpoint
DROP INDEX "transactions_created_at_id_idx";--> statement-breakpoint
DROP INDEX "transactions_debited_wallet_idx";--> statement-breakpoint
DROP INDEX "transactions_credited_wallet_idx";--> statement-breakpoint
DROP INDEX "transactions_type_idx";--> statement-breakpoint
DROP INDEX "transactions_amount_idx";--> statement-breakpoint
DROP INDEX "transactions_status_idx";--> statement-breakpoint
-- 2. The partitioned table: the same columns in the same order.
CREATE TABLE "transactions" (
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
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
	CONSTRAINT "transactions_amount_positive" CHECK ("transactions"."amount" > 0),
	CONSTRAINT "transactions_two_wallets" CHECK ("transactions"."debited_wallet_id" <> "transactions"."credited_wallet_id")
) PARTITION BY RANGE ("created_at");--> statement-breakpoint
-- 3. One partition per calendar month (UTC), named transactions_pYYYY_MM, for every month that meets
-- [from_time, to_time]; the months that exist already are left alone. Made as a table of their own and
-- then attached: ATTACH takes SHARE UPDATE EXCLUSIVE on transactions, so postings and reads go on
-- (CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE). The advisory lock lets several servers
-- call it at once: one makes the month, the others find it made. Answers how many it made.
CREATE FUNCTION "transactions_make_partitions"(from_time timestamptz, to_time timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  month timestamp := date_trunc('month', from_time AT TIME ZONE 'UTC');
  partition_name text;
  made integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('transactions_make_partitions'));
  WHILE month <= to_time AT TIME ZONE 'UTC' LOOP
    partition_name := 'transactions_p' || to_char(month, 'YYYY_MM');
    IF to_regclass(format('%I', partition_name)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I (LIKE "transactions" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', partition_name);
      EXECUTE format('ALTER TABLE "transactions" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        partition_name, to_char(month, 'YYYY-MM-DD "00:00:00+00"'),
        to_char(month + interval '1 month', 'YYYY-MM-DD "00:00:00+00"'));
      made := made + 1;
    END IF;
    month := month + interval '1 month';
  END LOOP;
  RETURN made;
END
$$;--> statement-breakpoint
-- 4. The months the old rows span, and this one; the server makes the months ahead at start.
SELECT "transactions_make_partitions"(least(min("created_at"), now()), greatest(max("created_at"), now()))
FROM "transactions_unpartitioned";--> statement-breakpoint
-- 5. The rows, then the keys unique across all months, in a table of their own.
INSERT INTO "transactions" ("id", "reference_number", "external_reference_number", "request_hash",
	"transaction_type_id", "channel_type", "debited_wallet_id", "credited_wallet_id", "amount", "currency_code",
	"debited_wallet_balance", "credited_wallet_balance", "status", "status_message", "reversal_of", "created_at")
SELECT "id", "reference_number", "external_reference_number", "request_hash",
	"transaction_type_id", "channel_type", "debited_wallet_id", "credited_wallet_id", "amount", "currency_code",
	"debited_wallet_balance", "credited_wallet_balance", "status", "status_message", "reversal_of", "created_at"
FROM "transactions_unpartitioned";--> statement-breakpoint
CREATE TABLE "posting_keys" (
	"external_reference_number" text NOT NULL,
	"reference_number" text NOT NULL,
	"transaction_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);--> statement-breakpoint
INSERT INTO "posting_keys" ("external_reference_number", "reference_number", "transaction_id", "created_at")
SELECT "external_reference_number", "reference_number", "id", "created_at" FROM "transactions_unpartitioned";--> statement-breakpoint
DROP TABLE "transactions_unpartitioned";--> statement-breakpoint
-- 6. Keys, indexes and foreign keys, built once over the loaded rows (each partition gets its own).
ALTER TABLE "posting_keys" ADD CONSTRAINT "posting_keys_pkey" PRIMARY KEY ("external_reference_number");--> statement-breakpoint
ALTER TABLE "posting_keys" ADD CONSTRAINT "posting_keys_reference_number_key" UNIQUE ("reference_number");--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_id_created_at_pk" PRIMARY KEY ("id", "created_at");--> statement-breakpoint
CREATE INDEX "transactions_reversal_of_idx" ON "transactions" USING btree ("reversal_of") WHERE "transactions"."reversal_of" is not null;--> statement-breakpoint
CREATE INDEX "transactions_created_at_id_idx" ON "transactions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_debited_wallet_idx" ON "transactions" USING btree ("debited_wallet_id","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_credited_wallet_idx" ON "transactions" USING btree ("credited_wallet_id","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_type_idx" ON "transactions" USING btree ("transaction_type_id","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_amount_idx" ON "transactions" USING btree ("amount","created_at","id");--> statement-breakpoint
CREATE INDEX "transactions_status_idx" ON "transactions" USING btree ("status","created_at","id") WHERE "transactions"."status" <> 'COMPLETED';--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_transaction_type_id_transaction_types_id_fk" FOREIGN KEY ("transaction_type_id") REFERENCES "public"."transaction_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_debited_wallet_id_wallets_id_fk" FOREIGN KEY ("debited_wallet_id") REFERENCES "public"."wallets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_credited_wallet_id_wallets_id_fk" FOREIGN KEY ("credited_wallet_id") REFERENCES "public"."wallets"("id") ON DELETE no action ON UPDATE no action;
