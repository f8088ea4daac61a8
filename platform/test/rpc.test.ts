import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { ConflictError, UnsupportedOperationError } from '@urbantwin/store'
import { createRpc, type Rpc } from '../src/rpc.ts'

describe('calls between threads (real MessagePorts, structured clone)', () => {
  const open: Rpc[] = []
  afterEach(() => {
    for (const r of open.splice(0)) r.close(new Error('test over'))
  })

  const pair = () => {
    const { port1, port2 } = new MessageChannel()
    const a = createRpc(port1)
    const b = createRpc(port2)
    open.push(a, b)
    return { a, b, close: () => (port1.close(), port2.close()) }
  }

  type Counter = {
    add(n: number, by: { step: number }): Promise<number>
    when(): Promise<Map<string, Date>>
    fail(kind: string): Promise<never>
    clone(): Promise<unknown>
    slow(): Promise<void>
  }

  it('answers calls both ways, with cloned arguments and results', async () => {
    const { a, b, close } = pair()
    const seen: unknown[] = []
    a.expose('counter', {
      add: async (n: number, by: { step: number }) => {
        seen.push(by)
        by.step = 99 // the caller's object is a copy: untouched
        return n + by.step
      },
      when: async () => new Map([['t', new Date(Date.UTC(2026, 10, 23))]]),
    })
    b.expose('echo', { twice: async (s: string) => s + s })
    const arg = { step: 2 }
    expect(await b.remote<Counter>('counter').add(40, arg)).toBe(139)
    expect(arg).toEqual({ step: 2 })
    expect(await b.remote<Counter>('counter').when()).toEqual(new Map([['t', new Date(Date.UTC(2026, 10, 23))]]))
    expect(await a.remote<{ twice(s: string): Promise<string> }>('echo').twice('ab')).toBe('abab')
    close()
  })

  it('keeps the class of the store errors callers test for, and the name and message of others', async () => {
    const { a, b, close } = pair()
    a.expose('counter', {
      fail: async (kind: string) => {
        if (kind === 'conflict') throw new ConflictError('two Sensors alike')
        if (kind === 'unsupported') throw new UnsupportedOperationError('not on this engine')
        const e = new Error('disk full')
        e.name = 'IOError'
        throw e
      },
    })
    const counter = b.remote<Counter>('counter')
    await expect(counter.fail('conflict')).rejects.toSatisfy(
      (e) => e instanceof ConflictError && e.message === 'two Sensors alike',
    )
    await expect(counter.fail('unsupported')).rejects.toBeInstanceOf(UnsupportedOperationError)
    await expect(counter.fail('io')).rejects.toMatchObject({ name: 'IOError', message: 'disk full' })
    await expect(counter.clone()).rejects.toMatchObject({ name: 'TypeError', message: 'no counter.clone' })
    await expect(b.remote<Counter>('nothing').add(1, { step: 1 })).rejects.toThrow('no nothing.add')
    close()
  })

  it('reports a result that cannot be cloned instead of leaving the caller waiting', async () => {
    const { a, b, close } = pair()
    a.expose('counter', { clone: async () => ({ f: () => 1 }) })
    await expect(b.remote<Counter>('counter').clone()).rejects.toMatchObject({ name: 'DataCloneError' })
    // and an argument that cannot be cloned fails on the caller's side
    await expect(
      b.remote<{ add(f: unknown): Promise<number> }>('counter').add(() => 1),
    ).rejects.toThrow()
    close()
  })

  it('fails the calls still waiting when the other side goes, and later ones at once', async () => {
    const { a, b, close } = pair()
    a.expose('counter', { slow: () => new Promise<void>(() => {}) })
    const counter = b.remote<Counter>('counter')
    const waiting = counter.slow()
    b.close(new Error('the data thread ended (code 1)'))
    await expect(waiting).rejects.toThrow('the data thread ended (code 1)')
    await expect(counter.slow()).rejects.toThrow('the data thread ended (code 1)')
    close()
  })

  it('is not mistaken for a promise when awaited', async () => {
    const { b, close } = pair()
    const remote = b.remote<Counter>('counter')
    expect(await Promise.resolve(remote)).toBe(remote)
    close()
  })
})
