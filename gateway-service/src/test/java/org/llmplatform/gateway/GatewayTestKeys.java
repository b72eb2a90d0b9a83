package org.llmplatform.gateway;

/** API keys the tests configure (as hashes) and send (as bearer headers). */
final class GatewayTestKeys {

  static final String ALPHA = "Bearer sk-test-alpha";
  static final String ALPHA_SHA256 =
      "5a44ee831beb11795ca9e062551a912f66aaa8043e59ded9eaf05a337784dec8";
  static final String BETA = "Bearer sk-test-beta";
  static final String BETA_SHA256 =
      "626c85f21d77b087cbbba33378b2da9f7d02b084f1af1ea9f8a113861926e62c";
  static final String LIMITED = "Bearer sk-test-limited";
  static final String LIMITED_SHA256 =
      "716d9331d7ad666bd3c016548a20f4af914f281255463802599abfd141e4609a";

  private GatewayTestKeys() {}
}
