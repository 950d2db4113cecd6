/**
 * Stand-ins for the unit tests of the rotation function's roster and access code: an HTTP server
 * on loopback that answers as scripted and records what it was sent (MLflow, CloudFormation's
 * response URL), an in-memory Cognito user pool, and Secrets Manager answering the admin secret.
 * The real services are exercised by test/integration/roster.test.ts (MLflow and moto).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, IncomingMessage, Server } from 'http';
import { AddressInfo } from 'net';

/** One request the stub server received. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The basic-auth user name, when there was one. */
  readonly user?: string;
}

/** What the stub answers: a status and a JSON body (or text). */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export interface StubServer {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** An HTTP server on loopback answering every request with `answer(request)`. */
export async function startStub(answer: (r: Received) => Reply): Promise<StubServer> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const auth = req.headers.authorization;
      const user = auth?.startsWith('Basic ')
        ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0]
        : undefined;
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        user,
      };
      received.push(r);
      const reply = answer(r);
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An error as the AWS SDK throws it: what matters is its `name`. */
export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

interface PoolUser {
  email: string;
  emailVerified: boolean;
  readonly groups: Set<string>;
}

/** One Cognito user pool in memory, answering the commands the roster code sends. */
export class FakeUserPool {
  public readonly users = new Map<string, PoolUser>();
  /** The operation name of every call, in order. */
  public readonly calls: string[] = [];
  /** Fail the next call of an operation with this error (once). */
  public readonly failNext = new Map<string, Error>();
  /** Users created with DesiredDeliveryMediums EMAIL (Cognito would mail them an invitation). */
  public readonly invited: string[] = [];

  constructor(
    public readonly id: string,
    public readonly groups: readonly string[] = ['learners', 'instructors'],
  ) {}

  public client(): CognitoIdentityProviderClient {
    return {
      send: async (command: object) => this.handle(command),
    } as unknown as CognitoIdentityProviderClient;
  }

  private user(pool: string | undefined, name: string | undefined): PoolUser {
    if (pool !== this.id) throw awsError('ResourceNotFoundException', `User pool ${pool} does not exist.`);
    const user = this.users.get(name ?? '');
    if (user === undefined) throw awsError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  private group(name: string | undefined): string {
    if (!this.groups.includes(name ?? '')) throw awsError('ResourceNotFoundException', 'Group not found.');
    return name!;
  }

  private handle(command: object): unknown {
    const op = command.constructor.name.replace(/Command$/, '');
    this.calls.push(op);
    const failure = this.failNext.get(op);
    if (failure !== undefined) {
      this.failNext.delete(op);
      throw failure;
    }
    if (command instanceof AdminGetUserCommand) {
      const { UserPoolId, Username } = command.input;
      const u = this.user(UserPoolId, Username);
      return {
        Username,
        UserAttributes: [
          { Name: 'email', Value: u.email },
          { Name: 'email_verified', Value: String(u.emailVerified) },
        ],
      };
    }
    if (command instanceof AdminCreateUserCommand) {
      const { UserPoolId, Username, UserAttributes, DesiredDeliveryMediums } = command.input;
      if (UserPoolId !== this.id) throw awsError('ResourceNotFoundException', 'User pool does not exist.');
      if (this.users.has(Username!)) throw awsError('UsernameExistsException', 'User account already exists');
      const attr = (n: string) => UserAttributes?.find((a) => a.Name === n)?.Value;
      this.users.set(Username!, {
        email: attr('email') ?? '',
        emailVerified: attr('email_verified') === 'true',
        groups: new Set(),
      });
      if (DesiredDeliveryMediums?.includes('EMAIL')) this.invited.push(Username!);
      return { User: { Username } };
    }
    if (command instanceof AdminUpdateUserAttributesCommand) {
      const { UserPoolId, Username, UserAttributes } = command.input;
      const u = this.user(UserPoolId, Username);
      for (const { Name, Value } of UserAttributes ?? []) {
        if (Name === 'email') u.email = Value!;
        if (Name === 'email_verified') u.emailVerified = Value === 'true';
      }
      return {};
    }
    if (command instanceof AdminAddUserToGroupCommand) {
      const { UserPoolId, Username, GroupName } = command.input;
      this.user(UserPoolId, Username).groups.add(this.group(GroupName));
      return {};
    }
    if (command instanceof AdminRemoveUserFromGroupCommand) {
      const { UserPoolId, Username, GroupName } = command.input;
      this.user(UserPoolId, Username).groups.delete(this.group(GroupName));
      return {};
    }
    if (command instanceof AdminDeleteUserCommand) {
      const { UserPoolId, Username } = command.input;
      this.user(UserPoolId, Username);
      this.users.delete(Username!);
      return {};
    }
    throw new Error(`unexpected ${op}`);
  }
}

/** Secrets Manager holding only the admin secret's AWSCURRENT value. */
export function adminSecrets(value: { username: string; password: string }): SecretsManagerClient {
  return {
    send: async (command: object) => {
      if (command instanceof GetSecretValueCommand && command.input.VersionStage === 'AWSCURRENT') {
        return { SecretString: JSON.stringify(value) };
      }
      if (command instanceof GetSecretValueCommand) {
        throw awsError('ResourceNotFoundException', 'no such version');
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as SecretsManagerClient;
}
