CREATE TYPE "public"."limit_period" AS ENUM('DAY', 'MONTH');--> statement-breakpoint
CREATE TABLE "limit_usage" (
	"wallet_id" uuid NOT NULL,
	"limit_id" uuid NOT NULL,
	"period_start" timestamp (3) with time zone NOT NULL,
	"amount" bigint DEFAULT 0 NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "limit_usage_wallet_id_limit_id_period_start_pk" PRIMARY KEY("wallet_id","limit_id","period_start")
);
--> statement-breakpoint
CREATE TABLE "period_limits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"wallet_type_id" uuid NOT NULL,
	"transaction_type_id" uuid,
	"period" "limit_period" NOT NULL,
	"max_amount" bigint,
	"max_count" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "period_limits_caps" CHECK (coalesce("period_limits"."max_amount", "period_limits"."max_count") is not null and coalesce("period_limits"."max_amount", 1) > 0 and coalesce("period_limits"."max_count", 1) > 0)
);
--> statement-breakpoint
ALTER TABLE "period_limits" ADD CONSTRAINT "period_limits_wallet_type_id_wallet_types_id_fk" FOREIGN KEY ("wallet_type_id") REFERENCES "public"."wallet_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "period_limits" ADD CONSTRAINT "period_limits_transaction_type_id_transaction_types_id_fk" FOREIGN KEY ("transaction_type_id") REFERENCES "public"."transaction_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "period_limits_key" ON "period_limits" USING btree ("wallet_type_id",coalesce("transaction_type_id", '00000000-0000-0000-0000-000000000000'::uuid),"period");--> statement-breakpoint
CREATE INDEX "period_limits_created_at_id_idx" ON "period_limits" USING btree ("created_at","id");