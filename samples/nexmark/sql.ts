/**
 * The Nexmark queries in SQL, over the same event stream as their DataStream versions
 * (queries/): `bid`, `auction` and `person` are tables over the events of each kind, with
 * Nexmark's watermark (4 s out of orderness) on `dateTime`. specs/sql/nexmarkSql.spec.ts runs
 * each beside its DataStream version and compares their results. DATETIME is a reserved word
 * of the FlinkSQL grammar, so the column is written in backquotes: \`dateTime\`.
 */
import { DataStream } from '../../src';
import { Table, TableEnvironment } from '../../src/sql';
import { NexmarkEvent, isAuction, isBid, isPerson } from './model';

const WATERMARK = "WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND";

/**
 * q6 is exact for auctions that last at most this long: the generator's last at most twice the
 * event time of 1,667 events (numInFlightAuctions × 50 / 3), under 10 s from 334 events per
 * second of event time up (the specs run 500, the benchmark 10,000). The join keeps each bid
 * this long in event time, so the bound is not much larger than it needs to be.
 */
export const AUCTION_LENGTH_BOUND_SECONDS = 10;

export type NexmarkTable = 'bid' | 'auction' | 'auction_expiry' | 'person';

/**
 * Registers the views bid, auction, auction_expiry and person over the events, or only those
 * of `tables`: each view is a filter of the events, an operator that runs on every event even
 * when no query reads it (a benchmark of one query registers only the tables it reads, as its
 * DataStream version filters only the kinds it reads).
 */
export function registerNexmarkTables(tEnv: TableEnvironment, events: DataStream<NexmarkEvent>, tables: readonly NexmarkTable[] = ['bid', 'auction', 'auction_expiry', 'person']): void {
  const schemas: Record<NexmarkTable, () => Table> = {
    bid: () => tEnv.fromDataStream(events.filter(isBid), `auction BIGINT, bidder BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3), extra STRING, ${WATERMARK}`),
    auction: () =>
      tEnv.fromDataStream(
        events.filter(isAuction),
        `id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, \`dateTime\` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra STRING, ${WATERMARK}`,
      ),
    // The auctions again, timed by their expiry, for q6: auctions last at most AUCTION_LENGTH_BOUND
    // (see q6), so none reaches this table's watermark after it passed its expiry.
    auction_expiry: () =>
      tEnv.fromDataStream(
        events.filter(isAuction),
        `id BIGINT, seller BIGINT, \`dateTime\` TIMESTAMP(3), expires TIMESTAMP(3), WATERMARK FOR expires AS expires - INTERVAL '${AUCTION_LENGTH_BOUND_SECONDS}' SECOND`,
      ),
    person: () => tEnv.fromDataStream(events.filter(isPerson), `id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, \`dateTime\` TIMESTAMP(3), extra STRING, ${WATERMARK}`),
  };
  for (const table of tables) tEnv.createTemporaryView(table, schemas[table]());
}

/** The tables each query reads. */
export const NEXMARK_SQL_TABLES: Readonly<Record<keyof typeof NEXMARK_SQL, readonly NexmarkTable[]>> = {
  q0: ['bid'],
  q1: ['bid'],
  q2: ['bid'],
  q3: ['auction', 'person'],
  q4: ['auction', 'bid'],
  q5: ['bid'],
  q6: ['auction_expiry', 'bid'],
  q7: ['bid'],
  q8: ['person', 'auction'],
};

export const NEXMARK_SQL = {
  /** Pass-through. */
  q0: 'SELECT auction, bidder, price, `dateTime`, extra FROM bid',
  /** Currency conversion. */
  q1: 'SELECT auction, bidder, 0.908 * price AS price, `dateTime`, extra FROM bid',
  /** Selection. */
  q2: 'SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0',
  /** Local item suggestion: a join of auctions and their sellers. */
  q3: `SELECT P.name, P.city, P.state, A.id
       FROM auction AS A JOIN person AS P ON A.seller = P.id
       WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')`,
  /** Average price per category: the winning bid of each auction, averaged per category (updating). */
  q4: `SELECT Q.category, AVG(CAST(Q.final AS DOUBLE)) AS average
       FROM (SELECT MAX(B.price) AS final, A.category
             FROM auction AS A JOIN bid AS B ON A.id = B.auction AND B.\`dateTime\` BETWEEN A.\`dateTime\` AND A.expires
             GROUP BY A.id, A.category) AS Q
       GROUP BY Q.category`,
  /**
   * Hot items: per sliding window (10 s, every 2 s), the auctions with the most bids, ties
   * included. Flink's formulation: bids counted per auction and window, joined with each
   * window's highest count. The window bounds, renamed starttime/endtime, stay window
   * attributes, so MaxBids is a window aggregation and the join a window join (append-only,
   * state dropped as windows close). Flink's query selects auction and num only; the window
   * bounds are kept here so that each row can be compared with the DataStream version's.
   */
  q5: `SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.starttime, AuctionBids.endtime
       FROM (SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
             FROM TABLE(HOP(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
             GROUP BY auction, window_start, window_end) AS AuctionBids
       JOIN (SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
             FROM (SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
                   FROM TABLE(HOP(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
                   GROUP BY auction, window_start, window_end) AS CountBids
             GROUP BY CountBids.starttime, CountBids.endtime) AS MaxBids
       ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime AND AuctionBids.num >= MaxBids.maxn`,
  /**
   * Average selling price by seller: per seller, at each auction's close, the average final
   * price of its last 10 closed auctions. Flink's text runs an OVER window over an updating
   * GROUP BY, which no engine can (a row once emitted cannot be taken back); here the closed
   * auctions are append-only instead. The bids within an auction's lifetime are an interval
   * join with auction_expiry (the auctions timed by their expiry: the bid at most
   * AUCTION_LENGTH_BOUND_SECONDS before it, and not before the auction's start), which keeps
   * the expiry as the rows' time attribute; a 1 ms TUMBLE on it groups each auction's bids
   * into one window that closes when the watermark passes the expiry, giving the final price
   * once; then ROWS BETWEEN 9 PRECEDING AND CURRENT ROW averages each seller's last 10 (Flink's
   * text says 10 PRECEDING, which is 11 rows), auctions of a seller closing in the same
   * millisecond taken in id order (ORDER BY closed, id). The auction and its expiry are kept so
   * that each row can be compared with the DataStream version's.
   */
  q6: `SELECT Q.id AS auction, Q.seller,
         AVG(Q.final) OVER (PARTITION BY Q.seller ORDER BY Q.closed, Q.id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS average,
         Q.closed AS expires
       FROM (SELECT id, seller, MAX(price) AS final, window_time AS closed
             FROM TABLE(TUMBLE(TABLE (
                    SELECT A.id, A.seller, A.expires, B.price
                    FROM auction_expiry AS A JOIN bid AS B
                      ON A.id = B.auction
                      AND B.\`dateTime\` BETWEEN A.expires - INTERVAL '${AUCTION_LENGTH_BOUND_SECONDS}' SECOND AND A.expires
                      AND B.\`dateTime\` >= A.\`dateTime\`),
                  DESCRIPTOR(expires), INTERVAL '1' MILLISECOND))
             GROUP BY id, seller, window_start, window_end) AS Q`,
  /**
   * Highest bid of each 10 s window: the bids whose price is their window's maximum. As Flink's
   * text, an interval join: `window_time` is the window's last millisecond, so the bids of
   * (window_time - 10 s, window_time] are the window's; their state goes once the watermark
   * has passed them by 10 s (a WHERE on window_start/window_end would keep every bid forever).
   */
  q7: `SELECT B.auction, B.price, B.bidder, B.\`dateTime\`, B.extra
       FROM bid AS B
       JOIN (SELECT MAX(price) AS maxprice, window_time AS \`dateTime\`
             FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
             GROUP BY window_start, window_end, window_time) AS B1
       ON B.price = B1.maxprice
       AND B.\`dateTime\` > B1.\`dateTime\` - INTERVAL '10' SECOND AND B.\`dateTime\` <= B1.\`dateTime\``,
  /** New users: persons who opened an auction in the 10 s window they registered in (a window join). */
  q8: `SELECT P.id, P.name, P.window_start AS starttime
       FROM (SELECT id, name, window_start, window_end FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
             GROUP BY id, name, window_start, window_end) AS P
       JOIN (SELECT seller, window_start, window_end FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(\`dateTime\`), INTERVAL '10' SECOND))
             GROUP BY seller, window_start, window_end) AS A
       ON P.id = A.seller AND P.window_start = A.window_start AND P.window_end = A.window_end`,
} as const;
