/**
 * The Nexmark queries in SQL, over the same event stream as their DataStream versions
 * (queries/): `bid`, `auction` and `person` are tables over the events of each kind, with
 * Nexmark's watermark (4 s out of orderness) on `dateTime`. specs/sql/nexmarkSql.spec.ts runs
 * each beside its DataStream version and compares their results. DATETIME is a reserved word
 * of the FlinkSQL grammar, so the column is written in backquotes: \`dateTime\`.
 */
import { DataStream, TableEnvironment } from '../../src';
import { NexmarkEvent, isAuction, isBid, isPerson } from './model';

const WATERMARK = "WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND";

/** Registers the views bid, auction and person over the events. */
export function registerNexmarkTables(tEnv: TableEnvironment, events: DataStream<NexmarkEvent>): void {
  tEnv.createTemporaryView('bid', tEnv.fromDataStream(events.filter(isBid), `auction BIGINT, bidder BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3), extra STRING, ${WATERMARK}`));
  tEnv.createTemporaryView(
    'auction',
    tEnv.fromDataStream(
      events.filter(isAuction),
      `id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, \`dateTime\` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra STRING, ${WATERMARK}`,
    ),
  );
  tEnv.createTemporaryView(
    'person',
    tEnv.fromDataStream(events.filter(isPerson), `id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, \`dateTime\` TIMESTAMP(3), extra STRING, ${WATERMARK}`),
  );
}

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
