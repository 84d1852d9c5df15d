import test from 'ava'
import { compareStart, groupStarts, isStart, isStale, isStopped, resolveStart, winnerFor, type StartCommand } from '../../store/commands.js'
import type { CommandEvent } from '../../store/events.js'

function start(commandId: string, issuedAt: number, issuer: string, sessionId = `S-${commandId}`): StartCommand {
  return { type: 'command', at: issuedAt, commandId, kind: 'start', sessionId, startAt: issuedAt + 3000, issuedAt, issuer }
}

// Deterministic PRNG, so a failing ordering can be replayed from its seed.
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let x = s
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const a = items.slice()
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[a[i], a[j]] = [a[j] as T, a[i] as T]
  }
  return a
}

test('earliest issuedAt wins', (t) => {
  const a = start('a', 1000, 'CAM_R')
  const b = start('b', 1001, 'CAM_L')
  t.is(resolveStart([b, a], 500)?.commandId, 'a')
})

test('ties on issuedAt break by issuer, then commandId', (t) => {
  const a = start('z', 1000, 'CAM_C')
  const b = start('y', 1000, 'CAM_L')
  t.is(resolveStart([a, b], 500)?.commandId, 'z', 'CAM_C < CAM_L')
  const c = start('m', 1000, 'CAM_C')
  t.is(resolveStart([a, b, c], 500)?.commandId, 'm', 'same issuer: m < z')
  t.is(compareStart(c, c), 0)
})

test('stop commands never win a start', (t) => {
  const stop: CommandEvent = { ...start('s', 1, 'CAM_L'), kind: 'stop' }
  t.is(resolveStart([stop], 1000), null)
  t.is(resolveStart([stop, start('a', 5, 'CAM_R')], 1000)?.commandId, 'a')
})

test('a start outside the window starts a new session', (t) => {
  const first = start('a', 1000, 'CAM_L')
  const concurrent = start('b', 1400, 'CAM_C')
  const later = start('c', 60_000, 'CAM_R')
  const groups = groupStarts([later, concurrent, first], 500)
  t.deepEqual(
    groups.map((g) => g.members.map((m) => m.commandId)),
    [['a', 'b'], ['c']]
  )
  t.is(resolveStart([later, concurrent, first], 500)?.commandId, 'c')
  t.is(winnerFor(concurrent, [first, later], 500).commandId, 'a')
  t.is(winnerFor(later, [first, concurrent], 500).commandId, 'c')
})

test('groups are measured from the winner, not chained', (t) => {
  const cmds = [start('a', 0, 'X'), start('b', 400, 'X'), start('c', 800, 'X')]
  t.deepEqual(
    groupStarts(cmds, 500).map((g) => g.winner.commandId),
    ['a', 'c']
  )
})

test('the same command seen twice counts once', (t) => {
  const a = start('a', 0, 'X')
  t.is(groupStarts([a, { ...a, seq: 9 }], 500)[0]?.members.length, 1)
})

test('randomized: every node resolves the same session whatever order it saw', (t) => {
  const issuers = ['CAM_L', 'CAM_C', 'CAM_R', 'phone-1', 'phone-2']
  for (let seed = 1; seed <= 500; seed++) {
    const rand = rng(seed)
    const n = 2 + Math.floor(rand() * 6)
    const base = 1_700_000_000_000
    const cmds: CommandEvent[] = []
    for (let i = 0; i < n; i++) {
      // Coarse times make issuedAt ties (two phones in the same ms) common.
      const issuedAt = base + Math.floor(rand() * 4) * 100
      const issuer = issuers[Math.floor(rand() * issuers.length)] as string
      cmds.push(start(`cmd-${seed}-${Math.floor(rand() * 1e6)}-${i}`, issuedAt, issuer))
      if (rand() < 0.2) cmds.push({ ...start(`stop-${i}`, issuedAt, issuer), kind: 'stop' })
    }
    const expected = resolveStart(cmds, 1000)
    t.truthy(expected, `seed ${seed}`)
    // The winner is minimal in the total order.
    for (const c of cmds) if (c.kind === 'start') t.true(compareStart(expected as CommandEvent, c) <= 0)
    for (let view = 0; view < 20; view++) {
      const seen = shuffle(cmds, rand)
      t.is(resolveStart(seen, 1000)?.commandId, expected?.commandId, `seed ${seed} view ${view}`)
      // Concurrent starts all agree on one winner, whichever one a node acts on.
      for (const c of seen) if (isStart(c)) t.is(winnerFor(c, seen, 1000).commandId, expected?.commandId ?? '')
    }
  }
})

test('randomized: two nodes with two concurrent start-alls converge once both are seen', (t) => {
  for (let seed = 1; seed <= 300; seed++) {
    const rand = rng(seed * 7919)
    const t0 = 1_700_000_000_000 + Math.floor(rand() * 1e6)
    const a = start(`a${seed}`, t0 + Math.floor(rand() * 50), 'CAM_L')
    const b = start(`b${seed}`, t0 + Math.floor(rand() * 50), 'CAM_R')
    // Node L sees its own first, node R its own first; both then learn the other.
    const onL = resolveStart([a, b], 2000)
    const onR = resolveStart([b, a], 2000)
    t.is(onL?.sessionId, onR?.sessionId)
    t.is(onL?.commandId, (compareStart(a, b) <= 0 ? a : b).commandId)
  }
})

test('isStale: past startAt by more than the tolerance', (t) => {
  const c = start('a', 1000, 'X') // startAt 4000
  t.false(isStale(c, 3000, 500))
  t.false(isStale(c, 4500, 500))
  t.true(isStale(c, 4501, 500))
  t.true(isStale(c, 60_000, 500))
})

test('isStopped: a later stop for the session ends it', (t) => {
  const s = start('a', 1000, 'X', 'S1')
  const stopBefore: CommandEvent = { ...s, commandId: 'x', kind: 'stop', issuedAt: 999 }
  const stopOther: CommandEvent = { ...s, commandId: 'y', kind: 'stop', sessionId: 'S2', issuedAt: 2000 }
  const stopAfter: CommandEvent = { ...s, commandId: 'z', kind: 'stop', issuedAt: 2000 }
  t.false(isStopped(s, [stopBefore, stopOther]))
  t.true(isStopped(s, [stopAfter]))
})
