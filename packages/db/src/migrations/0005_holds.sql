CREATE TYPE "public"."hold_status" AS ENUM('PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED');--> statement-breakpoint
CREATE TABLE "holds" (
	"transaction_id" uuid PRIMARY KEY NOT NULL,
	"debited_wallet_id" uuid NOT NULL,
	"credited_wallet_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"created_by" uuid NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"status" "hold_status" DEFAULT 'PENDING' NOT NULL,
	"captured_amount" bigint,
	"settled_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "holds_amount_positive" CHECK ("holds"."amount" > 0),
	CONSTRAINT "holds_captured_amount" CHECK (("holds"."status" = 'CAPTURED') = ("holds"."captured_amount" is not null) and "holds"."captured_amount" between 1 and "holds"."amount")
);
--> statement-breakpoint
ALTER TABLE "wallets" ADD COLUMN "held_balance" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_debited_wallet_id_wallets_id_fk" FOREIGN KEY ("debited_wallet_id") REFERENCES "public"."wallets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_credited_wallet_id_wallets_id_fk" FOREIGN KEY ("credited_wallet_id") REFERENCES "public"."wallets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_created_by_customers_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "holds_pending_expiry_idx" ON "holds" USING btree ("expires_at") WHERE "holds"."status" = 'PENDING';--> statement-breakpoint
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_held_balance_nonnegative" CHECK ("wallets"."held_balance" >= 0);