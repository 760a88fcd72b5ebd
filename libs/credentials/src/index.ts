export { CredentialCipher, parseKeyRing, type EncryptedSecret } from './credential-cipher';
