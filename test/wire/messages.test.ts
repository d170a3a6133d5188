import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPublicationPush, isPush, pushChannel, type ServerMessage } from '../../src/wire/index.js';

describe('server messages', () => {
  const publication = JSON.parse('{"pub":"chat:a","offset":3,"data":{"x":1}}') as ServerMessage;
  const binary = JSON.parse('{"pub":"chat:a","b64":"AAE=","info":{"client":"c","user":""}}') as ServerMessage;
  const join = JSON.parse('{"push":"join","channel":"chat:b","info":{"client":"c","user":""}}') as ServerMessage;
  const result = JSON.parse('{"id":1,"result":{"publications":[{"data":1}]}}') as ServerMessage;
  const error = JSON.parse('{"id":2,"error":{"code":103,"name":"permission_denied","message":"no"}}') as ServerMessage;

  it('a publication push is the publication with its channel in "pub"; join and leave keep "push"', () => {
    assert.deepEqual([publication, binary, join, result, error].map(isPush), [true, true, true, false, false]);
    assert.deepEqual([publication, binary, join, result, error].map(isPublicationPush), [true, true, false, false, false]);
    assert.equal(pushChannel(publication as never), 'chat:a');
    assert.equal(pushChannel(join as never), 'chat:b');
  });
});
