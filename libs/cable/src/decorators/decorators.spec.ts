import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { IsString } from 'class-validator';
import { Action, getActionDefinitions } from './action.decorator.js';
import { CableConnection, getConnectionMetadata } from './cable-connection.decorator.js';
import { Channel, getChannelMetadata } from './channel.decorator.js';

class NoteDto {
  @IsString()
  text!: string;
}

interface PlainData {
  text: string;
}

@Channel('notes', 'NotesChannel', 'LegacyNotes')
class NotesChannel {
  @Action()
  add(_ctx: unknown, _data: NoteDto): void {}

  @Action('remove-all')
  removeAll(_ctx: unknown, _data: PlainData): void {}

  @Action({ name: 'explicit', data: NoteDto })
  explicit(_ctx: unknown, _data: unknown): void {}

  @Action('no-data')
  noData(): void {}
}

@Channel({ name: 'derived', aliases: ['DerivedChannel'] })
class DerivedChannel extends NotesChannel {
  @Action('remove-all')
  override removeAll(): void {}

  @Action('more')
  more(): void {}
}

test('@Channel records the name and aliases, main name first, in both forms', () => {
  assert.deepEqual(getChannelMetadata(NotesChannel), { names: ['notes', 'NotesChannel', 'LegacyNotes'] });
  assert.deepEqual(getChannelMetadata(DerivedChannel), { names: ['derived', 'DerivedChannel'] });
  assert.equal(getChannelMetadata(NoteDto), undefined);
});

test('@Channel refuses empty and duplicate names', () => {
  assert.throws(() => Channel(''), /non-empty/);
  assert.throws(() => Channel({ name: 'a', aliases: ['a'] }), /duplicate/);
});

test('@Action: method name by default, DTO from the declared class type, none for interfaces or no parameter', () => {
  const actions = Object.fromEntries(getActionDefinitions(NotesChannel).map((action) => [action.name, action]));
  assert.deepEqual(Object.keys(actions).sort(), ['add', 'explicit', 'no-data', 'remove-all']);
  assert.equal(actions.add!.data, NoteDto);
  assert.equal(actions['remove-all']!.data, undefined);
  assert.equal(actions['remove-all']!.method, 'removeAll');
  assert.equal(actions.explicit!.data, NoteDto);
  assert.equal(actions['no-data']!.data, undefined);
});

test('@Action: subclasses inherit actions and may redefine one', () => {
  const actions = getActionDefinitions(DerivedChannel);
  assert.deepEqual(actions.map((action) => action.name).sort(), ['add', 'explicit', 'more', 'no-data', 'remove-all']);
  assert.equal(getActionDefinitions(NotesChannel).length, 4, 'the base class is untouched');
});

test('@Action refuses the same action twice on one class', () => {
  assert.throws(() => {
    class Twice {
      @Action('x')
      a(): void {}
      @Action('x')
      b(): void {}
    }
    return Twice;
  }, /declares the action "x" twice/);
});

test('@CableConnection records identifiedBy and refuses bad names', () => {
  @CableConnection({ identifiedBy: ['user', 'sid'] })
  class Connection {}
  assert.deepEqual(getConnectionMetadata(Connection), { identifiedBy: ['user', 'sid'] });
  assert.throws(() => CableConnection({ identifiedBy: ['a', 'a'] }), /duplicate/);
  assert.throws(() => CableConnection({ identifiedBy: [''] }), /non-empty/);
});
