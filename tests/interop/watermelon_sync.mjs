// Devices of one user, each a real WatermelonDB database (LokiJS in memory), synchronize() against
// the Selfkind sync API, then every database must equal a fresh server pull. Scenarios:
//   two-devices (default): create, edit, delete, concurrent edits of one record on two devices (merged
//     in the pull; and racing, so that a push gets a 409 and the next synchronize() succeeds).
//   delete-after-own-create: a device deletes a record it created and pushed in its previous sync.
//   v1-beside-v2: an app on schema version 1 and one on version 2 (check_ins, journal_entries.prompt_id)
//     side by side: each syncs as its schema allows, and both see each other's journal entries.
//   v1-edit-keeps-prompt-id: the version-1 app edits an entry the version-2 app linked to a prompt.
//   v2-clears-prompt-id: a version-2 app sets an entry's prompt_id back to null; the other must see it.
//   migrate-to-v2: the version-1 app, with local data (some not yet pushed), is upgraded: a real
//     WatermelonDB schema migration over the same storage, then the migration sync
//     (migrationsEnabledAtVersion) brings what version 1 never received.
//   migrate-to-v2-same-point: the same, when the version-2 app pushed its last check-in from the very
//     last_pulled_at of the version-1 app's last pull (it pulled in between and nothing else changed).
//
//   node tests/interop/watermelon_sync.mjs <base_url> <token> [scenario]
//   (or SELFKIND_BASE_URL, SELFKIND_TOKEN, SELFKIND_SCENARIO)
//
// Prints one JSON summary line on stdout and exits 0, or names the first mismatch on stderr and exits 1.
// WatermelonDB's own log (and anything else the libraries print) goes to stderr.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb')
const { schemaMigrations, createTable, addColumns } = require('@nozbe/watermelondb/Schema/migrations')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize } = require('@nozbe/watermelondb/sync')
const watermelonLogger = require('@nozbe/watermelondb/utils/common/logger').default
const { LokiMemoryAdapter } = require('lokijs')

// --- output: stdout is only for the summary ------------------------------------------------------

const clientLog = [] // what WatermelonDB itself reported (logger.warn / logger.error) during the scenario
for (const level of ['log', 'info', 'debug']) {
  console[level] = (...args) => console.error(...args)
}
for (const level of ['warn', 'error']) {
  const original = watermelonLogger[level].bind(watermelonLogger)
  watermelonLogger[level] = (...messages) => {
    clientLog.push({ level, message: messages.map((m) => (m instanceof Error ? m.message : String(m))).join(' ') })
    original(...messages)
  }
}

class ScenarioFailure extends Error {}

function fail(message, details) {
  throw new ScenarioFailure(details === undefined ? message : `${message}\n${pretty(details)}`)
}

function pretty(value) {
  return JSON.stringify(value, null, 2)
}

// --- the synced schema, versions 1 and 2, as the server validates it -------------------------------

const JOURNAL_ENTRIES_V1 = [
  { name: 'kind', type: 'string' },
  { name: 'title', type: 'string', isOptional: true },
  { name: 'body', type: 'string' },
  { name: 'mood', type: 'number', isOptional: true },
  { name: 'exercise_id', type: 'string', isOptional: true },
  { name: 'created_at', type: 'number' },
  { name: 'updated_at', type: 'number' },
]
// Version 2: the journaling prompt an entry answers, and the self-compassion check-ins.
const PROMPT_ID = { name: 'prompt_id', type: 'string', isOptional: true }
const CHECK_INS = {
  name: 'check_ins',
  columns: [
    { name: 'instrument', type: 'string' },
    { name: 'answers', type: 'string' },
    { name: 'taken_at', type: 'number' },
  ],
}
// Columns the server leaves out of a record while they are null (OMITTED_WHEN_NULL in models/sync.py).
const OMITTED_WHEN_NULL = new Set([PROMPT_ID.name])

function schemaOfVersion(version) {
  const tables = [
    tableSchema({
      name: 'journal_entries',
      columns: version >= 2 ? [...JOURNAL_ENTRIES_V1, PROMPT_ID] : JOURNAL_ENTRIES_V1,
    }),
    tableSchema({
      name: 'affirmations',
      columns: [
        { name: 'text', type: 'string' },
        { name: 'is_active', type: 'boolean' },
        { name: 'created_at', type: 'number' },
        { name: 'updated_at', type: 'number' },
      ],
    }),
    tableSchema({
      name: 'practice_sessions',
      columns: [
        { name: 'exercise_id', type: 'string' },
        { name: 'started_at', type: 'number' },
        { name: 'duration_s', type: 'number' },
        { name: 'feeling_before', type: 'number', isOptional: true },
        { name: 'feeling_after', type: 'number', isOptional: true },
        { name: 'note', type: 'string', isOptional: true },
        { name: 'created_at', type: 'number' },
        { name: 'updated_at', type: 'number' },
      ],
    }),
  ]
  if (version >= 2) tables.push(tableSchema(CHECK_INS))
  return appSchema({ version, tables })
}

const SCHEMAS = { 1: schemaOfVersion(1), 2: schemaOfVersion(2) }
const LATEST_SCHEMA_VERSION = 2
// What the version-2 app ships beside its schema, so that a version-1 database is migrated, not reset.
const MIGRATIONS = schemaMigrations({
  migrations: [
    {
      toVersion: 2,
      steps: [addColumns({ table: 'journal_entries', columns: [PROMPT_ID] }), createTable(CHECK_INS)],
    },
  ],
})
// The first schema version whose app enabled migration syncs: from then on synchronize() sends
// `migration` on the first pull after the database was migrated.
const MIGRATIONS_ENABLED_AT_VERSION = 1

function tablesOf(version) {
  return Object.keys(SCHEMAS[version].tables).sort() // affirmations, [check_ins,] journal_entries, practice_sessions
}

// No decorators: the `createdAt`/`updatedAt` getters are what @date('created_at') etc. would define,
// and their presence is what makes WatermelonDB stamp created_at on create and updated_at on update.
class Tracked extends Model {
  get createdAt() {
    return this._getRaw('created_at')
  }

  get updatedAt() {
    return this._getRaw('updated_at')
  }
}

class JournalEntry extends Tracked {
  static table = 'journal_entries'
}

class Affirmation extends Tracked {
  static table = 'affirmations'
}

class PracticeSession extends Tracked {
  static table = 'practice_sessions'
}

class CheckIn extends Model {
  static table = 'check_ins'
}

const MODEL_CLASSES = {
  1: [JournalEntry, Affirmation, PracticeSession],
  2: [JournalEntry, Affirmation, PracticeSession, CheckIn],
}

// --- the API ---------------------------------------------------------------------------------------

const baseUrl = (process.argv[2] || process.env.SELFKIND_BASE_URL || '').replace(/\/+$/, '')
const token = process.argv[3] || process.env.SELFKIND_TOKEN || ''
const scenarioName = process.argv[4] || process.env.SELFKIND_SCENARIO || 'two-devices'
if (!baseUrl || !token) {
  console.error('usage: node watermelon_sync.mjs <base_url> <token> [scenario]')
  process.exit(2)
}

class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${body}`)
    this.status = status
    this.body = body
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() }
}

function pullPath(lastPulledAt, schemaVersion, migration) {
  return (
    `/v1/sync?last_pulled_at=${lastPulledAt ?? 'null'}&schema_version=${schemaVersion}` +
    `&migration=${encodeURIComponent(JSON.stringify(migration))}`
  )
}

// --- a device: one database and the app's sync loop ---------------------------------------------

// `storage` stands for the app's persistent storage (IndexedDB in a browser): a new app version opens it
// again (see upgradeApp). Version-1 apps had no migrations; version-2 apps ship MIGRATIONS.
function openDatabase(name, version, storage) {
  const adapter = new LokiJSAdapter({
    schema: SCHEMAS[version],
    migrations: version >= 2 ? MIGRATIONS : undefined,
    dbName: `selfkind-${name}`,
    useWebWorker: false,
    // Ignored when _testLokiAdapter is given (no IndexedDB is touched); `true` avoids a deprecation warning.
    useIncrementalIndexedDB: true,
    _testLokiAdapter: storage,
    extraLokiOptions: { autosave: false }, // Loki's autosave timer would keep Node running
  })
  return new Database({ adapter, modelClasses: MODEL_CLASSES[version] })
}

function makeDevice(name, { version = 1 } = {}) {
  const storage = new LokiMemoryAdapter()
  return {
    name,
    version,
    storage,
    database: openDatabase(name, version, storage),
    stats: { synchronizeCalls: 0, pulls: 0, pushes: 0, conflicts: [], resolvedConflicts: 0, pullLog: [] },
    duringNextSync: null, // a hook run once, right after this device's next pull was answered
    lastPushedChanges: null,
  }
}

// The app is updated to the version-2 schema: the old app's database is saved to its storage and closed,
// and the new app opens the same storage with the version-2 schema and MIGRATIONS, so that WatermelonDB
// migrates it (LokiJS: a check_ins collection, prompt_id null on every journal entry). Local data,
// pending changes and the sync state (last pulled at, last pulled schema version) stay.
async function upgradeApp(device) {
  const loki = device.database.adapter.underlyingAdapter._driver.loki
  await new Promise((resolve, reject) => loki.saveDatabase((error) => (error ? reject(error) : resolve())))
  await new Promise((resolve) => loki.close(resolve))
  device.version = LATEST_SCHEMA_VERSION
  device.database = openDatabase(device.name, device.version, device.storage)
  const databaseVersion = await device.database.adapter.getLocal('_loki_schema_version')
  if (databaseVersion !== String(LATEST_SCHEMA_VERSION)) {
    fail(`device ${device.name}: the database was not migrated to version ${LATEST_SCHEMA_VERSION}`, {
      databaseVersion,
    })
  }
}

function describeChanges(changes) {
  return Object.fromEntries(
    Object.entries(changes).map(([table, { created, updated, deleted }]) => [
      table,
      { created: created.map((r) => r.id), updated: updated.map((r) => r.id), deleted },
    ]),
  )
}

// One synchronize() call; returns the server's has_more of the pull.
async function synchronizeOnce(device) {
  let hasMore = false
  const log = {}
  device.stats.synchronizeCalls += 1
  try {
    await synchronize({
      database: device.database,
      sendCreatedAsUpdated: false,
      migrationsEnabledAtVersion: device.version >= 2 ? MIGRATIONS_ENABLED_AT_VERSION : undefined,
      log,
      pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
        const path = pullPath(lastPulledAt, schemaVersion, migration)
        const response = await api('GET', path)
        device.stats.pulls += 1
        if (response.status !== 200) throw new HttpError('GET', path, response.status, response.text)
        const page = JSON.parse(response.text)
        device.stats.pullLog.push({
          lastPulledAt,
          schemaVersion,
          migration,
          timestamp: page.timestamp,
          changes: describeChanges(page.changes),
        })
        hasMore = page.has_more === true
        const result = { changes: page.changes, timestamp: page.timestamp }
        if (page.experimentalStrategy) result.experimentalStrategy = page.experimentalStrategy
        const hook = device.duringNextSync
        device.duringNextSync = null
        if (hook) await hook()
        return result
      },
      pushChanges: async ({ changes, lastPulledAt }) => {
        const path = `/v1/sync?last_pulled_at=${lastPulledAt}`
        const response = await api('POST', path, { changes })
        device.stats.pushes += 1
        device.lastPushedChanges = changes
        if (response.status === 409) {
          device.stats.conflicts.push({
            lastPulledAt,
            contentType: response.contentType,
            problem: JSON.parse(response.text),
          })
        }
        if (response.status !== 200) throw new HttpError('POST', path, response.status, response.text)
      },
    })
  } finally {
    device.stats.resolvedConflicts += (log.resolvedConflicts || []).length
  }
  return hasMore
}

// What an app does: sync again while the server has more, and after a 409 (pull, then push again).
async function sync(device, { maxCalls = 6 } = {}) {
  for (let call = 1; call <= maxCalls; call += 1) {
    try {
      if (!(await synchronizeOnce(device))) return
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 409)) throw error
    }
  }
  fail(`device ${device.name}: still not synced after ${maxCalls} synchronize() calls`, device.stats)
}

// --- reading state -----------------------------------------------------------------------------------

function columnsOf(raw) {
  const { _status, _changed, ...columns } = raw
  return Object.fromEntries(Object.keys(columns).sort().map((key) => [key, columns[key]]))
}

// The records of the tables of a schema version, each with exactly that version's columns: a column the
// server leaves out while null is null, and a column the version lacks (prompt_id for version 1) is left out.
function canonical(tables, version = 1) {
  const out = {}
  for (const table of tablesOf(version)) {
    const columns = ['id', ...SCHEMAS[version].tables[table].columnArray.map((column) => column.name)].sort()
    const project = (record) =>
      Object.fromEntries(
        columns
          .filter((column) => column in record || OMITTED_WHEN_NULL.has(column))
          .map((column) => [column, column in record ? record[column] : null]),
      )
    out[table] = (tables[table] || []).map(project).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
  return out
}

async function snapshot(device) {
  const tables = {}
  for (const table of tablesOf(device.version)) {
    const records = await device.database.get(table).query().fetch()
    tables[table] = records.map((record) => ({ ...record._raw }))
  }
  return tables
}

async function pendingChanges(device) {
  const pending = []
  for (const table of tablesOf(device.version)) {
    for (const record of await device.database.get(table).query().fetch()) {
      if (record._raw._status !== 'synced') pending.push(`${table}/${record.id}: ${record._raw._status}`)
    }
    for (const id of await device.database.adapter.getDeletedRecords(table)) {
      pending.push(`${table}/${id}: deleted`)
    }
  }
  return pending
}

// A fresh full pull as a client on `version` makes it; a table that version lacks fails.
async function serverState(version = 1) {
  const tableNames = tablesOf(version)
  const tables = Object.fromEntries(tableNames.map((table) => [table, new Map()]))
  let lastPulledAt = null
  for (let page = 1; page <= 50; page += 1) {
    const path = pullPath(lastPulledAt, version, null)
    const response = await api('GET', path)
    if (response.status !== 200) throw new HttpError('GET', path, response.status, response.text)
    const body = JSON.parse(response.text)
    for (const [table, changes] of Object.entries(body.changes)) {
      if (!tables[table]) fail(`the server sent a schema version ${version} client a table it lacks: ${table}`)
      for (const record of [...changes.created, ...changes.updated]) tables[table].set(record.id, record)
      for (const id of changes.deleted) tables[table].delete(id)
    }
    if (!body.has_more) return Object.fromEntries(tableNames.map((table) => [table, [...tables[table].values()]]))
    lastPulledAt = body.timestamp
  }
  fail('the server kept answering has_more for 50 pages')
}

async function find(device, table, id) {
  const [record] = await device.database.get(table).query().fetch().then((all) => all.filter((r) => r.id === id))
  return record ? columnsOf(record._raw) : null
}

// --- writing like an app ----------------------------------------------------------------------------

async function create(device, table, columns) {
  return device.database.write(async () => {
    const record = await device.database.get(table).create((r) => {
      for (const [column, value] of Object.entries(columns)) r._setRaw(column, value)
    })
    return record.id
  })
}

async function edit(device, table, id, columns) {
  await device.database.write(async () => {
    const record = await device.database.get(table).find(id)
    await record.update((r) => {
      for (const [column, value] of Object.entries(columns)) r._setRaw(column, value)
    })
  })
}

async function remove(device, table, id) {
  await device.database.write(async () => {
    const record = await device.database.get(table).find(id)
    await record.markAsDeleted()
  })
}

// --- checks -------------------------------------------------------------------------------------------

function expectEqual(what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) fail(`${what}: mismatch`, { actual, expected })
}

function expectColumns(what, record, expected) {
  if (!record) fail(`${what}: the record is missing`)
  const actual = Object.fromEntries(Object.keys(expected).map((column) => [column, record[column]]))
  expectEqual(what, actual, expected)
}

function counts(tables) {
  return Object.fromEntries(Object.keys(tables).sort().map((table) => [table, tables[table].length]))
}

// Every device equals a fresh server pull made on its own schema version; returns that pull for the
// newest version among the devices (whose counts are expectedCounts).
async function expectConverged(stage, devices, expectedCounts) {
  const versions = [...new Set(devices.map((device) => device.version))].sort()
  const servers = {}
  for (const version of versions) servers[version] = canonical(await serverState(version), version)
  const server = servers[versions[versions.length - 1]]
  expectEqual(`${stage}: record counts on the server`, counts(server), expectedCounts)
  for (const device of devices) {
    const pending = await pendingChanges(device)
    if (pending.length) fail(`${stage}: device ${device.name} still has unsynced changes`, pending)
    expectEqual(
      `${stage}: device ${device.name} (schema version ${device.version}) against a fresh server pull`,
      canonical(await snapshot(device), device.version),
      servers[device.version],
    )
  }
  return server
}

// --- the scenarios --------------------------------------------------------------------------------------

async function twoDevices() {
  const a = makeDevice('A')
  const b = makeDevice('B')
  const devices = [a, b]
  const steps = []

  // 1. A creates two entries, an affirmation and a practice session, and syncs.
  const e1 = await create(a, 'journal_entries', {
    kind: 'free',
    title: 'Morning pages',
    body: 'I slept badly and that is okay.',
    mood: 3,
  })
  const e2 = await create(a, 'journal_entries', {
    kind: 'prompted',
    body: 'What would I say to a friend? “You did your best.”',
    exercise_id: 'self-compassion-break',
  })
  const af = await create(a, 'affirmations', { text: 'I am allowed to rest.', is_active: true })
  const ps = await create(a, 'practice_sessions', {
    exercise_id: 'box-breathing',
    started_at: 1_795_000_000_000,
    duration_s: 240.5,
    feeling_before: 2,
    note: 'Shoulders dropped a little.',
  })
  await sync(a)
  steps.push('A created 2 journal entries, 1 affirmation, 1 practice session and synced')

  // 2. B's first sync gets everything, column for column.
  await sync(b)
  const afterFirst = await expectConverged('after B first synced', devices, {
    affirmations: 1,
    journal_entries: 2,
    practice_sessions: 1,
  })
  expectColumns('B: entry 2', await find(b, 'journal_entries', e2), {
    kind: 'prompted',
    title: null,
    body: 'What would I say to a friend? “You did your best.”',
    mood: null,
    exercise_id: 'self-compassion-break',
  })
  expectColumns('B: practice session', await find(b, 'practice_sessions', ps), {
    exercise_id: 'box-breathing',
    started_at: 1_795_000_000_000,
    duration_s: 240.5,
    feeling_before: 2,
    feeling_after: null,
    note: 'Shoulders dropped a little.',
  })
  const createdAt = afterFirst.journal_entries.find((r) => r.id === e1).created_at
  if (!(typeof createdAt === 'number' && createdAt > 1_600_000_000_000)) {
    fail('entry 1: created_at was not stamped by WatermelonDB', { createdAt })
  }
  steps.push('B synced for the first time and got all 4 records')

  // 3. B edits entry 1 and deletes entry 2; A edits the affirmation; B, A, B sync.
  await edit(b, 'journal_entries', e1, { body: 'I slept badly, and I was kind to myself about it.', mood: 4 })
  await remove(b, 'journal_entries', e2)
  await edit(a, 'affirmations', af, { text: 'I am allowed to rest, today too.', is_active: false })
  await sync(b)
  await sync(a)
  await sync(b)
  await expectConverged('after the edits and the delete', devices, {
    affirmations: 1,
    journal_entries: 1,
    practice_sessions: 1,
  })
  if (await find(a, 'journal_entries', e2)) fail('A still has entry 2 after B deleted it')
  expectColumns('A: entry 1 after B edited it', await find(a, 'journal_entries', e1), {
    title: 'Morning pages',
    body: 'I slept badly, and I was kind to myself about it.',
    mood: 4,
  })
  expectColumns('B: the affirmation after A edited it', await find(b, 'affirmations', af), {
    text: 'I am allowed to rest, today too.',
    is_active: false,
  })
  steps.push('B edited entry 1 and deleted entry 2, A edited the affirmation; B, A, B synced')

  // 4. Both devices edit the practice session offline (A: note, B: feeling_after, both: duration_s);
  //    A syncs, then B: B's pull brings A's version and WatermelonDB merges it per column (B's own
  //    changed columns win), so B's push is accepted. Then A syncs and gets the merge.
  await edit(a, 'practice_sessions', ps, { note: 'Shoulders dropped; jaw too.', duration_s: 300 })
  await edit(b, 'practice_sessions', ps, { feeling_after: 4, duration_s: 360 })
  const conflictsBefore = b.stats.conflicts.length
  await sync(a)
  await sync(b)
  await sync(a)
  const mergedSession = {
    note: 'Shoulders dropped; jaw too.',
    feeling_after: 4,
    duration_s: 360,
    feeling_before: 2,
  }
  expectColumns('A: merged practice session', await find(a, 'practice_sessions', ps), mergedSession)
  expectColumns('B: merged practice session', await find(b, 'practice_sessions', ps), mergedSession)
  const sequentialConflicts = b.stats.conflicts.length - conflictsBefore
  await expectConverged('after concurrent offline edits', devices, {
    affirmations: 1,
    journal_entries: 1,
    practice_sessions: 1,
  })
  steps.push('A and B edited the practice session offline (A: note, B: feeling_after, both: duration_s); A, B, A synced')

  // 5. Both edit entry 1 (A: title, B: body, both: mood) and sync at the same moment: B pulls, then A
  //    syncs (pull + push) before B pushes. B's push is stale: the server must answer 409; B's next
  //    synchronize() pulls A's edit, merges it and pushes; A syncs again.
  await edit(a, 'journal_entries', e1, { title: 'Morning pages (revisited)', mood: 2 })
  await edit(b, 'journal_entries', e1, { body: 'Bad sleep, kind words, better afternoon.', mood: 5 })
  const raceStart = b.stats.conflicts.length
  b.duringNextSync = () => sync(a)
  await sync(b)
  await sync(a)
  const raceConflicts = b.stats.conflicts.slice(raceStart)
  if (raceConflicts.length !== 1) {
    fail("B's stale push after A's racing sync: expected exactly one 409", b.stats.conflicts)
  }
  const [conflict] = raceConflicts
  if (!String(conflict.contentType).startsWith('application/problem+json') || conflict.problem.status !== 409) {
    fail('the 409 is not a problem document with status 409', conflict)
  }
  expectEqual('the 409 names the conflicting record', conflict.problem.conflicts, [
    { table: 'journal_entries', id: e1 },
  ])
  const mergedEntry = {
    kind: 'free',
    title: 'Morning pages (revisited)',
    body: 'Bad sleep, kind words, better afternoon.',
    mood: 5,
    exercise_id: null,
  }
  expectColumns('A: merged entry 1', await find(a, 'journal_entries', e1), mergedEntry)
  expectColumns('B: merged entry 1', await find(b, 'journal_entries', e1), mergedEntry)
  steps.push('A and B edited entry 1 (A: title, B: body, both: mood) and synced at once; B got a 409, retried')

  // 6. One more round each (nothing to push), then everything equals a fresh pull.
  await sync(a)
  await sync(b)
  const server = await expectConverged('at the end', devices, {
    affirmations: 1,
    journal_entries: 1,
    practice_sessions: 1,
  })
  expectEqual('A and B at the end', canonical(await snapshot(a)), canonical(await snapshot(b)))
  steps.push('A and B synced once more and equal a fresh full pull')

  return {
    steps,
    counts: counts(server),
    ids: { entry_1: e1, entry_2_deleted: e2, affirmation: af, practice_session: ps },
    final: server,
    sequential_concurrent_edit_conflicts: sequentialConflicts,
    race_conflict: conflict.problem,
    devices: Object.fromEntries(devices.map((device) => [device.name, device.stats])),
  }
}

// Create, sync, delete, sync: the most ordinary way to remove a journal entry. A's second pull starts
// at the lastPulledAt from before A's own push, so the server sends the entry back as `created`.
async function deleteAfterOwnCreate() {
  const a = makeDevice('A')
  const b = makeDevice('B')
  const entry = await create(a, 'journal_entries', { kind: 'free', body: 'Written in the wrong place.' })
  const kept = await create(a, 'journal_entries', { kind: 'free', body: 'This one stays.' })
  await sync(a)
  await remove(a, 'journal_entries', entry)
  await sync(a)
  if (await find(a, 'journal_entries', entry)) {
    fail(
      'deletion was lost: A deleted the entry it had created and pushed in its previous sync, and after the ' +
        'next synchronize() the entry is back on A (the pull sent it as `created`; WatermelonDB dropped the ' +
        'pending deletion and re-created it) and the deletion never reached the server',
      { entry, serverJournalEntries: (await serverState()).journal_entries },
    )
  }
  await sync(a)
  await sync(b)
  const server = await expectConverged('at the end', [a, b], {
    affirmations: 0,
    journal_entries: 1,
    practice_sessions: 0,
  })
  expectColumns('the entry that stays', server.journal_entries[0], { id: kept, body: 'This one stays.' })
  return {
    steps: ['A created 2 entries and synced', 'A deleted one and synced', 'A and a fresh B synced'],
    counts: counts(server),
    ids: { deleted: entry, kept },
    final: server,
    devices: Object.fromEntries([a, b].map((device) => [device.name, device.stats])),
  }
}

// --- schema version 2 beside version 1, and the migration from 1 to 2 --------------------------------

const ANSWERS_1 = '341235124345'
const ANSWERS_2 = '452345235134'
const ANSWERS_3 = '553445235145'
const ANSWERS_4 = '212334125233'
const DAY_MS = 86_400_000
const TAKEN_AT = 1_795_000_000_000

function checkIn(answers, day) {
  return { instrument: 'scs-sf', answers, taken_at: TAKEN_AT + day * DAY_MS }
}

function pulledTables(device) {
  return [...new Set(device.stats.pullLog.flatMap((pull) => Object.keys(pull.changes)))].sort()
}

function expectNoCheckInsPulled(device) {
  const withCheckIns = device.stats.pullLog.filter((pull) => 'check_ins' in pull.changes)
  if (withCheckIns.length) fail(`device ${device.name} (schema version 1) was sent check_ins`, withCheckIns)
}

function devicesSummary(devices) {
  return Object.fromEntries(
    devices.map((device) => [
      device.name,
      { ...device.stats, schemaVersion: device.version, pulledTables: pulledTables(device) },
    ]),
  )
}

// The old app (schema version 1) and the new app (version 2, with migrations enabled) of one user.
async function v1BesideV2() {
  const old = makeDevice('old', { version: 1 })
  const neu = makeDevice('new', { version: 2 })
  const devices = [old, neu]
  const steps = []

  // 1. The old app writes an entry and syncs; the new app's first sync gets it (prompt_id null).
  const fromOld = await create(old, 'journal_entries', {
    kind: 'free',
    title: 'Old phone',
    body: 'Written on v1.',
    mood: 3,
  })
  await sync(old)
  await sync(neu)
  expectColumns("new: the old app's entry", await find(neu, 'journal_entries', fromOld), {
    title: 'Old phone',
    body: 'Written on v1.',
    mood: 3,
    prompt_id: null,
  })
  steps.push('old (v1) wrote an entry and synced; new (v2) synced for the first time and got it')

  // 2. The new app answers a prompt, writes a plain entry, takes two check-ins, and syncs.
  const prompted = await create(neu, 'journal_entries', {
    kind: 'prompted',
    body: 'Dear friend, you carried a lot this week.',
    prompt_id: 'letter-to-a-dear-friend',
  })
  const plain = await create(neu, 'journal_entries', { kind: 'free', title: 'Evening', body: 'A quiet walk.' })
  const checkIn1 = await create(neu, 'check_ins', checkIn(ANSWERS_1, 0))
  const checkIn2 = await create(neu, 'check_ins', checkIn(ANSWERS_2, 7))
  await sync(neu)
  steps.push('new (v2) wrote a prompted entry (prompt_id) and a plain one, took 2 check-ins, and synced')

  // 3. The old app syncs: both entries, no check_ins table in any answer, nothing refused.
  await sync(old)
  expectColumns('old: the prompted entry', await find(old, 'journal_entries', prompted), {
    kind: 'prompted',
    body: 'Dear friend, you carried a lot this week.',
  })
  expectColumns('old: the plain entry', await find(old, 'journal_entries', plain), {
    title: 'Evening',
    body: 'A quiet walk.',
  })
  steps.push('old (v1) synced: it got both entries')

  // 4. The old app writes an entry, edits the new app's plain entry and its own, and syncs: its pushes
  //    (journal entries without prompt_id) are accepted.
  const fromOld2 = await create(old, 'journal_entries', { kind: 'free', body: 'Still on v1, still writing.' })
  await edit(old, 'journal_entries', plain, { body: 'A quiet walk, and tea after.' })
  await edit(old, 'journal_entries', fromOld, { mood: 4 })
  const oldPushesBefore = old.stats.pushes
  await sync(old)
  if (old.stats.pushes !== oldPushesBefore + 1) fail('old (v1): expected one push of its 3 changes', old.stats)
  steps.push("old (v1) wrote an entry and edited 2 (one of new's) and synced: the push was accepted")

  // 5. The new app syncs: it sees the old app's entry and edits; its check-ins and prompt_id are intact.
  await sync(neu)
  await sync(old)
  const server = await expectConverged('at the end', devices, {
    affirmations: 0,
    check_ins: 2,
    journal_entries: 4,
    practice_sessions: 0,
  })
  expectColumns("new: the old app's second entry", await find(neu, 'journal_entries', fromOld2), {
    kind: 'free',
    body: 'Still on v1, still writing.',
    prompt_id: null,
  })
  expectColumns("new: the entry the old app edited", await find(neu, 'journal_entries', plain), {
    body: 'A quiet walk, and tea after.',
    prompt_id: null,
  })
  expectColumns("new: the old app's edit of its own entry", await find(neu, 'journal_entries', fromOld), { mood: 4 })
  expectColumns('new: the prompted entry', await find(neu, 'journal_entries', prompted), {
    prompt_id: 'letter-to-a-dear-friend',
  })
  expectColumns('new: check-in 1', await find(neu, 'check_ins', checkIn1), checkIn(ANSWERS_1, 0))
  expectColumns('new: check-in 2', await find(neu, 'check_ins', checkIn2), checkIn(ANSWERS_2, 7))
  expectNoCheckInsPulled(old)
  steps.push('new (v2) and old (v1) synced once more and each equals a fresh full pull of its schema version')

  return {
    steps,
    counts: counts(server),
    ids: { from_old: fromOld, from_old_2: fromOld2, prompted, plain, check_in_1: checkIn1, check_in_2: checkIn2 },
    final: server,
    devices: devicesSummary(devices),
  }
}

// The old app edits (title only) an entry the new app linked to a prompt; the old app has no prompt_id
// column, so WatermelonDB pushes the entry without it. The link must survive.
async function v1EditKeepsPromptId() {
  const old = makeDevice('old', { version: 1 })
  const neu = makeDevice('new', { version: 2 })
  const prompted = await create(neu, 'journal_entries', {
    kind: 'prompted',
    body: 'Three good things: rain, soup, a call.',
    prompt_id: 'three-good-things',
  })
  await sync(neu)
  await sync(old)
  await edit(old, 'journal_entries', prompted, { title: 'Good things' })
  await sync(old)
  await sync(neu)
  const [stored] = (await serverState(2)).journal_entries
  const pushed = old.lastPushedChanges.journal_entries
  if (stored.prompt_id !== 'three-good-things') {
    fail(
      "prompt_id lost: the version-1 app edited the entry's title, and the server stored its push (which " +
        'has no prompt_id column) as the whole record, dropping the prompt_id the version-2 app had set',
      { stored, onTheNewApp: await find(neu, 'journal_entries', prompted), pushed },
    )
  }
  expectColumns('new: the entry after the old app edited its title', await find(neu, 'journal_entries', prompted), {
    title: 'Good things',
    prompt_id: 'three-good-things',
  })
  const server = await expectConverged('at the end', [old, neu], {
    affirmations: 0,
    check_ins: 0,
    journal_entries: 1,
    practice_sessions: 0,
  })
  return {
    steps: ['new (v2) wrote a prompted entry and synced', 'old (v1) synced, edited its title, synced', 'new synced'],
    counts: counts(server),
    ids: { prompted },
    final: server,
    devices: devicesSummary([old, neu]),
  }
}

// Two apps on version 2: A unlinks an entry from its prompt (prompt_id back to null, kind 'free'). B must
// see both changes.
async function v2ClearsPromptId() {
  const a = makeDevice('A', { version: 2 })
  const b = makeDevice('B', { version: 2 })
  const entry = await create(a, 'journal_entries', {
    kind: 'prompted',
    body: 'Dear me: you did what you could.',
    prompt_id: 'letter-to-a-dear-friend',
  })
  await sync(a)
  await sync(b)
  expectColumns('B: the prompted entry', await find(b, 'journal_entries', entry), {
    kind: 'prompted',
    prompt_id: 'letter-to-a-dear-friend',
  })
  await edit(a, 'journal_entries', entry, { kind: 'free', prompt_id: null })
  await sync(a)
  await sync(b)
  const onB = await find(b, 'journal_entries', entry)
  if (onB.prompt_id !== null) {
    const [stored] = (await serverState(2)).journal_entries
    fail(
      'B kept prompt_id after A cleared it: the server sends the entry without a prompt_id key (it stores a ' +
        'null prompt_id by leaving it out) and WatermelonDB keeps the local value of a column the remote ' +
        'record lacks (sync/impl/helpers.js resolveConflict: {...local, ...remote})',
      { onA: await find(a, 'journal_entries', entry), onB, asTheServerSendsIt: stored },
    )
  }
  const server = await expectConverged('at the end', [a, b], {
    affirmations: 0,
    check_ins: 0,
    journal_entries: 1,
    practice_sessions: 0,
  })
  return {
    steps: ['A wrote a prompted entry; A, B synced', "A set the entry's prompt_id to null; A, B synced"],
    counts: counts(server),
    ids: { entry },
    final: server,
    devices: devicesSummary([a, b]),
  }
}

// The old app has data (synced, and some not yet pushed) when it is upgraded to schema version 2.
// samePoint: the new app's last check-in is pushed from the very last_pulled_at of the old app's last
// pull (the old app had nothing to push then, and the new app pulled in between); otherwise the old app
// pushes an edit in its last version-1 sync, so that the new app's later push starts from a later point.
async function migrateToV2({ samePoint }) {
  const old = makeDevice('old', { version: 1 })
  const neu = makeDevice('new', { version: 2 })
  const devices = [old, neu]
  const steps = []

  // 1. The old app (v1) writes two entries and syncs.
  const morning = await create(old, 'journal_entries', {
    kind: 'free',
    title: 'Morning pages',
    body: 'Slow start.',
    mood: 3,
  })
  const walk = await create(old, 'journal_entries', { kind: 'free', body: 'Walked by the river.' })
  await sync(old)
  steps.push('old (v1) wrote 2 entries and synced')

  // 2. The new app (v2) syncs, takes two check-ins, answers a prompt, links the old app's morning entry
  //    to a prompt, and syncs.
  await sync(neu)
  const checkIn1 = await create(neu, 'check_ins', checkIn(ANSWERS_1, 0))
  const checkIn2 = await create(neu, 'check_ins', checkIn(ANSWERS_2, 7))
  const goodThings = await create(neu, 'journal_entries', {
    kind: 'prompted',
    body: 'Rain, soup, a call from Mum.',
    prompt_id: 'three-good-things',
  })
  await edit(neu, 'journal_entries', morning, { prompt_id: 'morning-pages' })
  await sync(neu)
  steps.push('new (v2) took 2 check-ins, wrote a prompted entry, set prompt_id on an old entry, and synced')

  // 3. The old app syncs on v1 (no check_ins); unless samePoint, it also pushes an edit.
  if (!samePoint) await edit(old, 'journal_entries', walk, { mood: 4 })
  await sync(old)
  expectNoCheckInsPulled(old)
  expectColumns('old (v1): the prompted entry', await find(old, 'journal_entries', goodThings), {
    body: 'Rain, soup, a call from Mum.',
  })
  const lastV1Pull = old.stats.pullLog.at(-1).timestamp
  steps.push(samePoint ? 'old (v1) synced (nothing to push)' : 'old (v1) edited an entry and synced')

  // 4. The new app takes a third check-in, deletes the second, and syncs.
  const checkIn3 = await create(neu, 'check_ins', checkIn(ANSWERS_3, 14))
  await remove(neu, 'check_ins', checkIn2)
  await sync(neu)
  const newPushedFrom = neu.stats.pullLog.at(-1).timestamp
  if (samePoint !== (newPushedFrom === lastV1Pull)) {
    fail('the new app did not push from the intended point', { samePoint, lastV1Pull, newPushedFrom })
  }
  steps.push('new (v2) took a 3rd check-in, deleted the 2nd, and synced')

  // 5. Offline, the old app writes an entry and edits one; then the app is updated to schema version 2.
  const offline = await create(old, 'journal_entries', { kind: 'free', body: 'Written offline, before the update.' })
  await edit(old, 'journal_entries', walk, { body: 'Walked by the river; herons.' })
  await upgradeApp(old)
  const afterMigration = canonical(await snapshot(old), LATEST_SCHEMA_VERSION)
  expectEqual(
    'old right after the migration: every entry kept, prompt_id null; check_ins empty',
    {
      entries: afterMigration.journal_entries.map((entry) => [entry.id, entry.prompt_id]),
      check_ins: afterMigration.check_ins,
    },
    {
      entries: [morning, walk, goodThings, offline].sort().map((id) => [id, null]),
      check_ins: [],
    },
  )
  expectEqual(
    'old right after the migration: its unsynced changes are still pending',
    (await pendingChanges(old)).sort(),
    [`journal_entries/${offline}: created`, `journal_entries/${walk}: updated`].sort(),
  )
  steps.push('old wrote an entry and edited one offline, then was upgraded: its database migrated from 1 to 2')

  // 6. The old app's first sync on version 2: the migration pull brings the check-ins and prompt_ids, and
  //    its offline changes are pushed.
  const pullsBefore = old.stats.pullLog.length
  await sync(old)
  const [migrationPull, ...laterPulls] = old.stats.pullLog.slice(pullsBefore)
  expectEqual(
    'the first pull after the migration',
    {
      lastPulledAt: migrationPull.lastPulledAt,
      schemaVersion: migrationPull.schemaVersion,
      migration: migrationPull.migration,
    },
    {
      lastPulledAt: lastV1Pull,
      schemaVersion: 2,
      migration: { from: 1, tables: ['check_ins'], columns: [{ table: 'journal_entries', columns: ['prompt_id'] }] },
    },
  )
  expectColumns('old (migrated): check-in 1', await find(old, 'check_ins', checkIn1), checkIn(ANSWERS_1, 0))
  expectColumns('old (migrated): check-in 3', await find(old, 'check_ins', checkIn3), checkIn(ANSWERS_3, 14))
  if (await find(old, 'check_ins', checkIn2)) fail('old (migrated) has the check-in the new app deleted')
  expectColumns('old (migrated): the morning entry', await find(old, 'journal_entries', morning), {
    title: 'Morning pages',
    prompt_id: 'morning-pages',
  })
  expectColumns('old (migrated): the prompted entry', await find(old, 'journal_entries', goodThings), {
    prompt_id: 'three-good-things',
  })
  expectColumns('old (migrated): its offline edit kept', await find(old, 'journal_entries', walk), {
    body: 'Walked by the river; herons.',
    mood: samePoint ? null : 4,
    prompt_id: null,
  })
  steps.push(
    "old's first sync on v2: the migration pull brought the check-ins and prompt_ids; it pushed its offline changes",
  )

  // 7. The migrated app takes a check-in too; both sync until converged.
  const checkIn4 = await create(old, 'check_ins', checkIn(ANSWERS_4, 21))
  await sync(old)
  await sync(neu)
  await sync(old)
  const server = await expectConverged('at the end', devices, {
    affirmations: 0,
    check_ins: 3,
    journal_entries: 4,
    practice_sessions: 0,
  })
  expectEqual('old and new at the end', canonical(await snapshot(old), 2), canonical(await snapshot(neu), 2))
  const laterMigrations = old.stats.pullLog.slice(pullsBefore + 1).filter((pull) => pull.migration !== null)
  if (laterMigrations.length) fail('a pull after the first one on version 2 still sent `migration`', laterMigrations)
  steps.push('old (now v2) took a check-in; old, new, old synced and equal a fresh full pull')

  return {
    steps,
    counts: counts(server),
    ids: {
      morning,
      walk,
      good_things: goodThings,
      offline,
      check_in_1: checkIn1,
      check_in_2_deleted: checkIn2,
      check_in_3: checkIn3,
      check_in_4: checkIn4,
    },
    last_v1_pull: lastV1Pull,
    new_pushed_check_in_3_from: newPushedFrom,
    migration_pull: migrationPull,
    later_pulls_of_that_sync: laterPulls.length,
    final: server,
    devices: devicesSummary(devices),
  }
}

const SCENARIOS = {
  'two-devices': twoDevices,
  'delete-after-own-create': deleteAfterOwnCreate,
  'v1-beside-v2': v1BesideV2,
  'v1-edit-keeps-prompt-id': v1EditKeepsPromptId,
  'v2-clears-prompt-id': v2ClearsPromptId,
  'migrate-to-v2': () => migrateToV2({ samePoint: false }),
  'migrate-to-v2-same-point': () => migrateToV2({ samePoint: true }),
}

async function main() {
  const scenario = SCENARIOS[scenarioName]
  if (!scenario) throw new Error(`unknown scenario ${scenarioName}; one of ${Object.keys(SCENARIOS).join(', ')}`)
  const result = await scenario()
  const summary = {
    ok: true,
    scenario: scenarioName,
    watermelondb: require('@nozbe/watermelondb/package.json').version,
    lokijs: require('lokijs/package.json').version,
    ...result,
    client_log: clientLog,
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    const kind = error instanceof ScenarioFailure ? 'MISMATCH' : 'ERROR'
    console.error(`watermelon_sync ${kind}: ${error instanceof ScenarioFailure ? error.message : error.stack || error}`)
    process.exit(1)
  },
)
