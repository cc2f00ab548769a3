// Drives the age-encryption npm package (typage) for tests/test_age_typage.py.
// Reads one JSON request on stdin, writes one JSON answer on stdout; bytes are base64.
import * as age from "age-encryption";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));

let answer;
if (request.op === "keygen") {
  const identity = await age.generateHybridIdentity();
  answer = { identity, recipient: await age.identityToRecipient(identity) };
} else if (request.op === "encrypt") {
  const encrypter = new age.Encrypter();
  for (const recipient of request.recipients) encrypter.addRecipient(recipient);
  const sealed = await encrypter.encrypt(Buffer.from(request.data, "base64"));
  answer = { data: Buffer.from(sealed).toString("base64") };
} else if (request.op === "decrypt") {
  const decrypter = new age.Decrypter();
  for (const identity of request.identities) decrypter.addIdentity(identity);
  const opened = await decrypter.decrypt(Buffer.from(request.data, "base64"));
  answer = { data: Buffer.from(opened).toString("base64") };
} else {
  throw new Error("unknown op");
}
process.stdout.write(JSON.stringify(answer));
