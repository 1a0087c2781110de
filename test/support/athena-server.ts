/**
 * A local Athena: handlers for `startAwsServer` speaking Athena's JSON 1.1 protocol
 * (`AmazonAthena.*`) that run the SQL on DuckDB over a CUR 2.0 Parquet export on disk
 * (hive-partitioned by `billing_period`, as Data Exports writes it).
 *
 * - StartQueryExecution starts the query in the background; GetQueryExecution reports RUNNING
 *   until it is done and then for `runningPolls` more polls (DataScannedInBytes growing), then SUCCEEDED, FAILED (DuckDB's error
 *   as the StateChangeReason) or CANCELLED (StopQueryExecution while running);
 * - GetQueryResults pages (MaxResults, NextToken), the column names as the first row;
 * - GetTableMetadata: the table's columns and partition keys, from DuckDB's view of the files.
 *
 * Athena SQL (Trino) differs from DuckDB's where it matters here only in `element_at` on a
 * map (Trino: the value or NULL; DuckDB: a list): translated to `map_extract_value`.
 *
 * Bytes scanned, as Athena bills them (compressed bytes of the columns a query reads, in the
 * partitions and row groups it reads): rows scanned (DuckDB's profiler, after partition
 * pruning and row-group skipping) x the compressed bytes per row of the columns the SQL names.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type AwsHandlers, awsError } from './aws-server.js';

export interface LocalAthenaOptions {
  /** Folder of the export's Parquet files (`billing_period=yyyy-mm/*.parquet`). */
  dataDir: string;
  database: string;
  table: string;
  /** Only this workgroup is accepted (default `primary`). */
  workgroup?: string;
  /** Polls a query reports RUNNING before its final state (default 1). */
  runningPolls?: number;
}

interface Execution {
  id: string;
  sql: string;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  reason?: string;
  polls: number;
  bytes: number;
  columns: string[];
  types: string[];
  rows: (string | null)[][];
  /** The outcome once the polls are done. */
  final: 'SUCCEEDED' | 'FAILED';
  /** DuckDB is still running it. */
  pending: boolean;
  submitted: Date;
}

export interface LocalAthena {
  handlers: AwsHandlers;
  executions: Execution[];
  /** Change options while running (e.g. more RUNNING polls). */
  set(options: Partial<Pick<LocalAthenaOptions, 'runningPolls'>>): void;
  /** Re-read the files (after writing a new export). */
  refresh(): Promise<void>;
  close(): void;
}

/** Trino -> DuckDB, minimal: `element_at(map, key)` returns the value (or NULL) in Trino. */
export function toDuckSql(sql: string): string {
  return sql.replace(/\belement_at\s*\(/gi, 'map_extract_value(');
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export async function startLocalAthena(options: LocalAthenaOptions): Promise<LocalAthena> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn: DuckDBConnection = await instance.connect();
  const profile = join(options.dataDir, `.profile-${randomUUID()}.json`);
  let runningPolls = options.runningPolls ?? 1;
  const executions: Execution[] = [];
  /** Compressed bytes per column (top-level name) and total rows of the export. */
  let columnBytes = new Map<string, number>();
  let totalRows = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => {});
    return next;
  };

  const glob = join(options.dataDir, '**', '*.parquet').replace(/'/g, "''");
  async function refresh() {
    await serial(async () => {
      await conn.run(`CREATE SCHEMA IF NOT EXISTS "${options.database}"`);
      await conn.run(
        `CREATE OR REPLACE VIEW "${options.database}"."${options.table}" AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'billing_period': VARCHAR}, union_by_name = true)`,
      );
      const meta = await conn.runAndReadAll(
        `SELECT split_part(path_in_schema, ', ', 1) AS col, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata('${glob}') GROUP BY 1`,
      );
      columnBytes = new Map(
        meta.getRowObjectsJS().map((r) => [String(r.col).toLowerCase(), Number(r.bytes)] as const),
      );
      const rows = await conn.runAndReadAll(
        `SELECT sum(num_rows)::BIGINT AS n FROM parquet_file_metadata('${glob}')`,
      );
      totalRows = Number(rows.getRowObjectsJS()[0]?.n ?? 0);
    });
  }
  await refresh();

  async function execute(
    sql: string,
  ): Promise<Omit<Execution, 'id' | 'sql' | 'state' | 'polls' | 'submitted' | 'pending'>> {
    return serial(async () => {
      try {
        await conn.run(
          `SET enable_profiling = 'json'; SET profiling_output = '${profile}'; SET custom_profiling_settings = '{"CUMULATIVE_ROWS_SCANNED": "true"}'`,
        );
        const reader = await conn.runAndReadAll(toDuckSql(sql));
        await conn.run(`SET enable_profiling = 'no_output'`).catch(() => {});
        let scannedRows = 0;
        try {
          scannedRows = Number(
            (JSON.parse(readFileSync(profile, 'utf8')) as { cumulative_rows_scanned?: number })
              .cumulative_rows_scanned ?? 0,
          );
        } catch {}
        const named = [...columnBytes.keys()].filter((c) => new RegExp(`\\b${c}\\b`, 'i').test(sql));
        const perRow = totalRows
          ? named.reduce((sum, c) => sum + (columnBytes.get(c) ?? 0), 0) / totalRows
          : 0;
        return {
          bytes: Math.round(scannedRows * perRow),
          columns: reader.columnNames(),
          types: reader.columnTypes().map((t) => t.toString().toLowerCase()),
          rows: reader.getRowsJS().map((row) => row.map(text)),
          final: 'SUCCEEDED' as const,
        };
      } catch (error) {
        await conn.run(`SET enable_profiling = 'no_output'`).catch(() => {});
        return {
          bytes: 0,
          columns: [],
          types: [],
          rows: [],
          final: 'FAILED' as const,
          reason: (error as Error).message,
        };
      }
    });
  }

  const find = (input: Record<string, unknown>) => {
    const e = executions.find((x) => x.id === input.QueryExecutionId);
    if (!e)
      throw awsError(
        'InvalidRequestException',
        `QueryExecution ${String(input.QueryExecutionId)} was not found`,
      );
    return e;
  };

  const handlers: AwsHandlers = {
    'AmazonAthena.StartQueryExecution': async (input) => {
      const workgroup = (input.WorkGroup as string | undefined) ?? 'primary';
      if (workgroup !== (options.workgroup ?? 'primary'))
        throw awsError('InvalidRequestException', `WorkGroup ${workgroup} is not found.`);
      const sql = String(input.QueryString ?? '');
      // Runs in the background, as Athena does: RUNNING until DuckDB has the answer.
      const e: Execution = {
        id: randomUUID(),
        sql,
        state: 'QUEUED',
        polls: 0,
        submitted: new Date(),
        bytes: 0,
        columns: [],
        types: [],
        rows: [],
        final: 'SUCCEEDED',
        pending: true,
      };
      executions.push(e);
      void execute(sql).then((done) => {
        Object.assign(e, done, { pending: false });
      });
      return { QueryExecutionId: e.id };
    },
    'AmazonAthena.GetQueryExecution': (input) => {
      const e = find(input);
      if (e.state === 'QUEUED' || e.state === 'RUNNING') {
        // The RUNNING polls a test asks for count from when DuckDB has the answer.
        if (!e.pending) e.polls++;
        e.state = e.polls > runningPolls ? e.final : 'RUNNING';
      }
      const finished = e.state !== 'RUNNING';
      const scanned = finished
        ? e.bytes
        : Math.round((e.bytes * Math.min(e.polls, runningPolls)) / (runningPolls + 1));
      return {
        QueryExecution: {
          QueryExecutionId: e.id,
          Query: e.sql,
          StatementType: 'DML',
          WorkGroup: options.workgroup ?? 'primary',
          Status: {
            State: e.state,
            SubmissionDateTime: e.submitted,
            ...(e.state === 'FAILED' ? { StateChangeReason: e.reason ?? 'failed' } : {}),
            ...(e.state === 'CANCELLED' ? { StateChangeReason: 'Query cancelled by the user' } : {}),
          },
          Statistics: { DataScannedInBytes: e.state === 'CANCELLED' ? scanned : scanned },
        },
      };
    },
    'AmazonAthena.StopQueryExecution': (input) => {
      const e = find(input);
      if (e.state === 'QUEUED' || e.state === 'RUNNING') e.state = 'CANCELLED';
      return {};
    },
    'AmazonAthena.GetQueryResults': (input) => {
      const e = find(input);
      if (e.state !== 'SUCCEEDED')
        throw awsError('InvalidRequestException', `Query has not yet finished. Current state: ${e.state}`);
      const max = Math.min(1000, Number(input.MaxResults ?? 1000));
      const offset = input.NextToken ? Number(String(input.NextToken).split(':')[1]) : 0;
      // Row 0 is the header row (Athena's first row of a SELECT's results).
      const total = e.rows.length + 1;
      const page: (string | null)[][] = [];
      for (let i = offset; i < Math.min(total, offset + max); i++)
        page.push(i === 0 ? e.columns : e.rows[i - 1]!);
      const next = offset + max < total ? `${e.id}:${offset + max}` : undefined;
      return {
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: e.columns.map((name, i) => ({
              Name: name,
              Label: name,
              Type: e.types[i] ?? 'varchar',
            })),
          },
          Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
        },
        UpdateCount: 0,
        ...(next ? { NextToken: next } : {}),
      };
    },
    'AmazonAthena.GetTableMetadata': async (input) => {
      if (input.DatabaseName !== options.database || input.TableName !== options.table)
        throw awsError(
          'MetadataException',
          `Table ${String(input.DatabaseName)}.${String(input.TableName)} not found`,
        );
      const described = await serial(() =>
        conn.runAndReadAll(`DESCRIBE "${options.database}"."${options.table}"`),
      );
      const cols = described.getRowObjectsJS().map((r) => ({
        Name: String(r.column_name),
        Type: String(r.column_type).toLowerCase(),
      }));
      return {
        TableMetadata: {
          Name: options.table,
          Columns: cols.filter((c) => c.Name !== 'billing_period'),
          PartitionKeys: cols.filter((c) => c.Name === 'billing_period'),
        },
      };
    },
  };

  return {
    handlers,
    executions,
    set(next) {
      if (next.runningPolls !== undefined) runningPolls = next.runningPolls;
    },
    refresh,
    close() {
      conn.closeSync();
      instance.closeSync();
      rmSync(profile, { force: true });
    },
  };
}
