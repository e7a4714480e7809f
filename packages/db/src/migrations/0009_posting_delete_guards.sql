-- Postings keep the ids of their wallets and transaction type without foreign keys (src/schema/ledger.ts
-- says why), so that their insert checks none row by row. The delete side stays as the foreign keys kept
-- it, by hand (drizzle-kit does not model triggers): a row trigger refuses to delete a wallet or a
-- transaction type that a posting names, with the foreign keys' SQLSTATE, 23503 (foreign_key_violation).
-- Each lookup leads an index of every month: transactions_debited_wallet_idx, _credited_wallet_idx, _type_idx.
-- A posting holds its wallets' row locks until it commits: a delete of one waits, then its trigger sees it.
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_transaction_type_id_transaction_types_id_fk";
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_debited_wallet_id_wallets_id_fk";
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_credited_wallet_id_wallets_id_fk";--> statement-breakpoint
CREATE FUNCTION "wallets_refuse_delete_if_posted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM "transactions" WHERE "debited_wallet_id" = OLD."id")
		OR EXISTS (SELECT 1 FROM "transactions" WHERE "credited_wallet_id" = OLD."id") THEN
		RAISE EXCEPTION 'wallet % cannot be deleted: postings name it', OLD."id"
			USING ERRCODE = 'foreign_key_violation',
				DETAIL = format('Key (id)=(%s) is still referenced from table "transactions".', OLD."id");
	END IF;
	RETURN OLD;
END
$$;--> statement-breakpoint
CREATE TRIGGER "wallets_no_delete_if_posted" BEFORE DELETE ON "wallets"
	FOR EACH ROW EXECUTE FUNCTION "wallets_refuse_delete_if_posted"();--> statement-breakpoint
-- Planned for each row's own id: a few types name every posting, so the plan kept for any id (from a
-- session's sixth delete on) reads every month whole, whereas a type no posting names is an index probe.
CREATE FUNCTION "transaction_types_refuse_delete_if_posted"() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM "transactions" WHERE "transaction_type_id" = OLD."id") THEN
		RAISE EXCEPTION 'transaction type % cannot be deleted: postings name it', OLD."id"
			USING ERRCODE = 'foreign_key_violation',
				DETAIL = format('Key (id)=(%s) is still referenced from table "transactions".', OLD."id");
	END IF;
	RETURN OLD;
END
$$;--> statement-breakpoint
CREATE TRIGGER "transaction_types_no_delete_if_posted" BEFORE DELETE ON "transaction_types"
	FOR EACH ROW EXECUTE FUNCTION "transaction_types_refuse_delete_if_posted"();
