package org.llmplatform.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The gateway's playground in headless Chromium, driven through chromedriver: what a user does on
 * the page (by the elements' ids, as the page's labels name them) and what the page shows.
 *
 * <p>The browser and driver are Debian's {@code chromium} and {@code chromium-driver} packages, or
 * the ones {@code -De2e.chromium=…} and {@code -De2e.chromedriver=…} name; Selenium Manager is
 * never asked to download one.
 */
final class PlaygroundPage implements AutoCloseable {

  /** A desktop window, the size of the README's screenshot. */
  static final Dimension DESKTOP = new Dimension(1280, 860);

  /** A phone held upright (CSS pixels). */
  static final Dimension PHONE = new Dimension(390, 844);

  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

  private final ChromeDriver driver;
  private final WebDriverWait wait;
  private final String url;
  private final Path screenshots;

  /** The installed browser and driver. */
  record Browser(Path chromium, Path chromedriver) {

    /** Both, when installed; empty otherwise. */
    static Optional<Browser> installed() {
      Optional<Path> chromium =
          executable(
              System.getProperty("e2e.chromium"),
              "/usr/bin/chromium",
              "/usr/bin/chromium-browser",
              "/usr/bin/google-chrome");
      Optional<Path> driver =
          executable(
              System.getProperty("e2e.chromedriver"),
              "/usr/bin/chromedriver",
              "/usr/lib/chromium/chromedriver");
      return chromium.flatMap(c -> driver.map(d -> new Browser(c, d)));
    }

    private static Optional<Path> executable(String... candidates) {
      return Stream.of(candidates)
          .filter(c -> c != null && !c.isBlank())
          .map(Path::of)
          .filter(Files::isExecutable)
          .findFirst();
    }
  }

  private PlaygroundPage(ChromeDriver driver, String url, Path screenshots) {
    this.driver = driver;
    this.url = url;
    this.screenshots = screenshots;
    // the session list is drawn anew after each turn: an element found before may be gone
    this.wait =
        (WebDriverWait)
            new WebDriverWait(driver, ANSWER_TIMEOUT, Duration.ofMillis(20))
                .ignoring(StaleElementReferenceException.class);
  }

  /** Starts the browser on the gateway's page. */
  static PlaygroundPage start(Browser browser, String gatewayUrl, Path screenshots, Path logs)
      throws Exception {
    Files.createDirectories(screenshots);
    var options = new ChromeOptions();
    options.setBinary(browser.chromium().toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=" + DESKTOP.width + "," + DESKTOP.height);
    var logging = new LoggingPreferences();
    logging.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logging);
    var service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(browser.chromedriver().toFile())
            .usingAnyFreePort()
            .withLogFile(logs.resolve("chromedriver.log").toFile())
            .build();
    return new PlaygroundPage(new ChromeDriver(service, options), gatewayUrl + "/", screenshots);
  }

  /** The page as a first visit finds it: nothing kept in the browser, a desktop window. */
  void openFresh() {
    driver.manage().window().setSize(DESKTOP);
    // storage is cleared from a file of the page's origin that runs no script: the page itself
    // could store a key it was still checking right after the clear
    driver.get(url + "playground/playground.css");
    script("localStorage.clear()");
    driver.get(url);
    awaitStatus("Enter your API key");
    browserErrors(); // drop what the visits before logged
  }

  void reload() {
    driver.navigate().refresh();
  }

  void resize(Dimension size) {
    driver.manage().window().setSize(size);
  }

  /** Types the key and presses Enter; waits until the page has answered it (accepted or not). */
  void enterKey(String key) {
    script("document.getElementById('status').textContent = ''");
    WebElement field = byId("api-key");
    field.clear();
    field.sendKeys(key + Keys.ENTER);
    wait.until(d -> status().startsWith("Key accepted") || status().contains("refused"));
  }

  /** Waits until the status line starts with {@code text}. */
  void awaitStatus(String text) {
    wait.until(d -> status().startsWith(text));
  }

  void forgetKey() {
    byId("forget-key").click();
  }

  String keyField() {
    return byId("api-key").getDomProperty("value");
  }

  boolean modelPickerEnabled() {
    return byId("model").isEnabled();
  }

  List<String> models() {
    return new Select(byId("model"))
        .getOptions().stream().map(o -> o.getDomProperty("value")).toList();
  }

  void chooseModel(String model) {
    new Select(byId("model")).selectByValue(model);
  }

  /** Picks an option of a settings list (response-format, tool-choice) by its value. */
  void choose(String field, String value) {
    new Select(byId(field)).selectByValue(value);
  }

  /** The tool calls shown under the last answer, as {@code name(arguments)}. */
  List<String> lastToolCalls() {
    return driver
        .findElements(By.cssSelector("#messages article.assistant:last-of-type .tool-calls > li"))
        .stream()
        .map(li -> (String) script("return arguments[0].firstChild.textContent", li))
        .toList();
  }

  /** Types a result into the field of each of the last answer's tool calls. */
  void typeToolResults(String result) {
    driver
        .findElements(By.cssSelector("#messages article:last-of-type .tool-result"))
        .forEach(field -> field.sendKeys(result));
  }

  /** Replaces a settings field's value (by its id: temperature, max-tokens, system-prompt…). */
  void set(String field, String value) {
    WebElement input = byId(field);
    input.clear();
    input.sendKeys(value);
  }

  /**
   * Counts, from now on, the pieces of text the page adds to answers: one per streamed piece (read
   * back with {@link #streamedPieces()}).
   */
  void countStreamedPieces() {
    script(
        """
        window.streamedPieces = [];
        new MutationObserver(records => records.forEach(record => record.addedNodes.forEach(node => {
          if (node.nodeType === Node.TEXT_NODE && node.parentElement?.closest('article.assistant')) {
            window.streamedPieces.push(node.data);
          }
        }))).observe(document.getElementById('messages'), {childList: true, subtree: true});
        """);
  }

  @SuppressWarnings("unchecked")
  List<String> streamedPieces() {
    return (List<String>) script("return window.streamedPieces");
  }

  /** Types a message and presses Enter (the page's way to send). */
  void send(String message) {
    byId("prompt").sendKeys(message + Keys.ENTER);
  }

  /**
   * Waits for the last answer to end (done, stopped or failed) and the page to take the next
   * message; returns the answer's state.
   */
  String awaitAnswer() {
    wait.until(
        d -> {
          String state = lastAnswerState();
          return state != null && !"streaming".equals(state) && canSend();
        });
    return lastAnswerState();
  }

  void pressStop() {
    byId("stop").click();
  }

  boolean canSend() {
    return byId("send").isEnabled();
  }

  boolean canStop() {
    return byId("stop").isEnabled();
  }

  String lastAnswerState() {
    return (String)
        script(
            "const a = [...document.querySelectorAll('#messages article.assistant')].pop();"
                + " return a ? a.dataset.state : null;");
  }

  /** The last answer's text, exactly as the page holds it. */
  String lastAnswerText() {
    return (String)
        script(
            "const a = [...document.querySelectorAll('#messages article.assistant')].pop();"
                + " return a ? a.querySelector('.content').textContent : '';");
  }

  /** The figures under the last answer: its text and data attributes (camelCase names). */
  Figures lastAnswerFigures() {
    WebElement stats =
        driver.findElements(By.cssSelector("#messages article.assistant .stats")).getLast();
    return new Figures(
        stats.getText(),
        stats.getDomAttribute("data-prompt-tokens"),
        stats.getDomAttribute("data-completion-tokens"),
        stats.getDomAttribute("data-ttft-ms"),
        stats.getDomAttribute("data-tokens-per-second"));
  }

  record Figures(
      String text,
      String promptTokens,
      String completionTokens,
      String ttftMs,
      String tokensPerSecond) {}

  /** Every message shown, in order: role and text. */
  List<Shown> messages() {
    return driver.findElements(By.cssSelector("#messages article")).stream()
        .map(
            a ->
                new Shown(
                    (String) script("return arguments[0].querySelector('.role').textContent", a),
                    (String)
                        script("return arguments[0].querySelector('.content').textContent", a)))
        .toList();
  }

  record Shown(String role, String text) {}

  /** The session the page has open (the one marked current in the list), or null. */
  String currentSessionId() {
    return (String)
        script(
            "const b = document.querySelector('#session-list .resume[aria-current]');"
                + " return b ? b.closest('li').dataset.sessionId : null;");
  }

  /** Waits until the list marks a session as the open one; returns its id. */
  String awaitCurrentSession() {
    return wait.until(d -> currentSessionId());
  }

  /** The session list's ids, as shown (newest first). */
  @SuppressWarnings("unchecked")
  List<String> sessionIds() {
    return (List<String>)
        script(
            "return [...document.querySelectorAll('#session-list li')]"
                + ".map(li => li.dataset.sessionId)");
  }

  String sessionTitle(String id) {
    return wait.until(d -> sessionButton(id, "resume").getText());
  }

  /** Alt+N: a new conversation. */
  void newConversation() {
    byId("prompt").sendKeys(Keys.chord(Keys.ALT, "n"));
  }

  void resume(String sessionId) {
    wait.until(
        d -> {
          sessionButton(sessionId, "resume").click();
          return true;
        });
    wait.until(d -> status().startsWith("Resumed"));
  }

  /** Delete, then Sure?: the two presses the page asks for. */
  void delete(String sessionId) {
    wait.until(
        d -> {
          sessionButton(sessionId, "delete").click();
          return true;
        });
    wait.until(d -> "Sure?".equals(sessionButton(sessionId, "delete").getText()));
    wait.until(
        d -> {
          sessionButton(sessionId, "delete").click();
          return true;
        });
    wait.until(d -> !sessionIds().contains(sessionId));
  }

  String status() {
    return byId("status").getText();
  }

  /** Whether the page is no wider than the window (nothing to scroll sideways). */
  boolean fitsTheWindowWidth() {
    return (Boolean) script("return document.documentElement.scrollWidth <= window.innerWidth");
  }

  /** Whether an element is wholly inside the window's width. */
  boolean withinWidth(String id) {
    return (Boolean)
        script(
            "const r = arguments[0].getBoundingClientRect();"
                + " return r.left >= 0 && r.right <= window.innerWidth && r.width > 0;",
            byId(id));
  }

  /** Saves a screenshot of the window as {@code <name>.png}; returns its path. */
  Path screenshot(String name) throws Exception {
    Path file = screenshots.resolve(name + ".png");
    Files.copy(
        driver.getScreenshotAs(OutputType.FILE).toPath(),
        file,
        StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  /**
   * What the page logged as errors since the last call, less the failed API calls the browser
   * reports on its own (a refused key's 401): script errors, refused content (CSP) and the like.
   */
  List<String> browserErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(message -> !message.contains("Failed to load resource"))
        .toList();
  }

  private WebElement sessionButton(String id, String button) {
    return driver.findElement(
        By.cssSelector("#session-list li[data-session-id='" + id + "'] ." + button));
  }

  private WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  private Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
