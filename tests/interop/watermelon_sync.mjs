// Devices of one user, each a real WatermelonDB database (LokiJS in memory), synchronize() against
// the Selfkind sync API, then every database must equal a fresh server pull. Scenarios:
//   two-devices (default): create, edit, delete, concurrent edits of one record on two devices (merged
//     in the pull; and racing, so that a push gets a 409 and the next synchronize() succeeds).
//   delete-after-own-create: a device deletes a record it created and pushed in its previous sync.
//
//   node tests/interop/watermelon_sync.mjs <base_url> <token> [scenario]
//   (or SELFKIND_BASE_URL, SELFKIND_TOKEN, SELFKIND_SCENARIO)
//
// Prints one JSON summary line on stdout and exits 0, or names the first mismatch on stderr and exits 1.
// WatermelonDB's own log (and anything else the libraries print) goes to stderr.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb')
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

// --- the synced schema (version 1), as the server validates it -----------------------------------

const SCHEMA_VERSION = 1
const schema = appSchema({
  version: SCHEMA_VERSION,
  tables: [
    tableSchema({
      name: 'journal_entries',
      columns: [
        { name: 'kind', type: 'string' },
        { name: 'title', type: 'string', isOptional: true },
        { name: 'body', type: 'string' },
        { name: 'mood', type: 'number', isOptional: true },
        { name: 'exercise_id', type: 'string', isOptional: true },
        { name: 'created_at', type: 'number' },
        { name: 'updated_at', type: 'number' },
      ],
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
  ],
})
const TABLES = Object.keys(schema.tables).sort() // affirmations, journal_entries, practice_sessions

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

function makeDevice(name) {
  const adapter = new LokiJSAdapter({
    schema,
    dbName: `selfkind-${name}`,
    useWebWorker: false,
    // Ignored when _testLokiAdapter is given (no IndexedDB is touched); `true` avoids a deprecation warning.
    useIncrementalIndexedDB: true,
    _testLokiAdapter: new LokiMemoryAdapter(),
    extraLokiOptions: { autosave: false }, // Loki's autosave timer would keep Node running
  })
  const database = new Database({ adapter, modelClasses: [JournalEntry, Affirmation, PracticeSession] })
  return {
    name,
    database,
    stats: { synchronizeCalls: 0, pulls: 0, pushes: 0, conflicts: [], resolvedConflicts: 0 },
    duringNextSync: null, // a hook run once, right after this device's next pull was answered
  }
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
      log,
      pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
        const path = pullPath(lastPulledAt, schemaVersion, migration)
        const response = await api('GET', path)
        device.stats.pulls += 1
        if (response.status !== 200) throw new HttpError('GET', path, response.status, response.text)
        const page = JSON.parse(response.text)
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

function canonical(tables) {
  const out = {}
  for (const table of TABLES) {
    out[table] = (tables[table] || []).map(columnsOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
  return out
}

async function snapshot(device) {
  const tables = {}
  for (const table of TABLES) {
    const records = await device.database.get(table).query().fetch()
    tables[table] = records.map((record) => ({ ...record._raw }))
  }
  return tables
}

async function pendingChanges(device) {
  const pending = []
  for (const table of TABLES) {
    for (const record of await device.database.get(table).query().fetch()) {
      if (record._raw._status !== 'synced') pending.push(`${table}/${record.id}: ${record._raw._status}`)
    }
    for (const id of await device.database.adapter.getDeletedRecords(table)) {
      pending.push(`${table}/${id}: deleted`)
    }
  }
  return pending
}

async function serverState() {
  const tables = Object.fromEntries(TABLES.map((table) => [table, new Map()]))
  let lastPulledAt = null
  for (let page = 1; page <= 50; page += 1) {
    const path = pullPath(lastPulledAt, SCHEMA_VERSION, null)
    const response = await api('GET', path)
    if (response.status !== 200) throw new HttpError('GET', path, response.status, response.text)
    const body = JSON.parse(response.text)
    for (const [table, changes] of Object.entries(body.changes)) {
      if (!tables[table]) fail(`the server sent an unknown table ${table}`)
      for (const record of [...changes.created, ...changes.updated]) tables[table].set(record.id, record)
      for (const id of changes.deleted) tables[table].delete(id)
    }
    if (!body.has_more) return Object.fromEntries(TABLES.map((table) => [table, [...tables[table].values()]]))
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
  return Object.fromEntries(TABLES.map((table) => [table, tables[table].length]))
}

async function expectConverged(stage, devices, expectedCounts) {
  const server = canonical(await serverState())
  expectEqual(`${stage}: record counts on the server`, counts(server), expectedCounts)
  for (const device of devices) {
    const pending = await pendingChanges(device)
    if (pending.length) fail(`${stage}: device ${device.name} still has unsynced changes`, pending)
    expectEqual(`${stage}: device ${device.name} against a fresh server pull`, canonical(await snapshot(device)), server)
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

const SCENARIOS = { 'two-devices': twoDevices, 'delete-after-own-create': deleteAfterOwnCreate }

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
