import test from 'ava'
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { KnownCores } from '../../store/known-cores.js'
import { tmpDir } from './helpers.js'

const ref = (n: number) => ({ key: n.toString(16).padStart(2, '0').repeat(32), cameraId: `CAM_${n}` })

test('cores added are persisted and loaded back by the next instance', async (t) => {
  const dir = await tmpDir(t)
  const file = join(dir, 'store', 'known-cores.json')
  const a = new KnownCores(file)
  t.deepEqual(await a.load(), [])
  t.true(await a.add(ref(1)))
  t.false(await a.add(ref(1)), 'already known')
  t.deepEqual(await new KnownCores(file).load(), [ref(1)])
})

for (const [what, text] of [['torn JSON', '{"v":1,"cores":[{'], ['a file of another format', '{"v":2,"cores":"all"}']] as const) {
  test(`${what} is set aside with KNOWN_CORES_CORRUPT and the set starts empty`, async (t) => {
    const dir = await tmpDir(t)
    await mkdir(join(dir, 'store'))
    const file = join(dir, 'store', 'known-cores.json')
    await writeFile(file, text)
    const warnings: Array<{ code?: string }> = []
    const cores = new KnownCores(file, { warn: (o: object) => warnings.push(o), debug() {} }, () => 42)
    t.deepEqual(await cores.load(), [])
    t.deepEqual(warnings.map((w) => w.code), ['KNOWN_CORES_CORRUPT'])
    t.is(await readFile(`${file}.corrupt-42`, 'utf8'), text)
    t.deepEqual(await readdir(join(dir, 'store')), ['known-cores.json.corrupt-42'])
    await cores.add(ref(2))
    t.deepEqual(await new KnownCores(file).load(), [ref(2)], 'rebuilt')
  })
}
