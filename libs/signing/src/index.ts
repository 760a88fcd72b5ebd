export {
  channelOfSecret,
  issueChannelSecret,
  issueOAuthState,
  readOAuthState,
  TokenSigner,
  type OAuthState,
} from './signed-token';
