<?php
/**
 * The settings page: where the server is, the API key, the callback secret, and
 * whether new uploads are checked. Secrets are stored as one option and never
 * printed back in full.
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

/**
 * Settings under Settings > Provenance, read by the rest of the plugin through get().
 */
final class Provenance_Check_Settings {

	public const OPTION = 'provenance_check_settings';
	private const PAGE  = 'provenance-check';
	private const GROUP = 'provenance_check';

	/**
	 * Hooks the settings page into the admin.
	 */
	public static function register(): void {
		add_action( 'admin_init', array( self::class, 'register_fields' ) );
		add_action( 'admin_menu', array( self::class, 'add_page' ) );
	}

	/**
	 * The stored settings, with defaults for what was never saved.
	 *
	 * @return array{server_url: string, api_key: string, webhook_secret: string, check_on_upload: bool}
	 */
	public static function get(): array {
		$stored = get_option( self::OPTION, array() );
		return array_merge( self::defaults(), is_array( $stored ) ? $stored : array() );
	}

	/**
	 * Whether a server URL and a key are set: without them nothing is sent.
	 */
	public static function is_configured(): bool {
		$settings = self::get();
		return '' !== $settings['server_url'] && '' !== $settings['api_key'];
	}

	/**
	 * A secret as the page shows it: its first characters only, like `provenance keys list`.
	 *
	 * @param string $secret The stored secret.
	 */
	public static function masked( string $secret ): string {
		return '' === $secret ? '' : substr( $secret, 0, 8 ) . '…';
	}

	/**
	 * Registers the option, its sanitiser and the fields of the form.
	 */
	public static function register_fields(): void {
		register_setting(
			self::GROUP,
			self::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( self::class, 'sanitize' ),
				'default'           => self::defaults(),
				'show_in_rest'      => false,
			)
		);
		add_settings_section( 'provenance_check_server', __( 'Provenance server', 'provenance-check' ), '__return_false', self::PAGE );
		add_settings_field( 'server_url', __( 'Server URL', 'provenance-check' ), array( self::class, 'field_server_url' ), self::PAGE, 'provenance_check_server', array( 'label_for' => 'provenance-server-url' ) );
		add_settings_field( 'api_key', __( 'API key', 'provenance-check' ), array( self::class, 'field_secret' ), self::PAGE, 'provenance_check_server', array( 'label_for' => 'provenance-api-key', 'name' => 'api_key', 'help' => __( 'A key with the check scope (provenance keys create wordpress --scope check).', 'provenance-check' ) ) );
		add_settings_field( 'webhook_secret', __( 'Callback secret', 'provenance-check' ), array( self::class, 'field_secret' ), self::PAGE, 'provenance_check_server', array( 'label_for' => 'provenance-webhook-secret', 'name' => 'webhook_secret', 'help' => __( 'The server\'s PROVENANCE_WEBHOOK_SECRET: "check all images" needs it to trust the signed callback.', 'provenance-check' ) ) );
		add_settings_field( 'check_on_upload', __( 'Check on upload', 'provenance-check' ), array( self::class, 'field_check_on_upload' ), self::PAGE, 'provenance_check_server' );
	}

	/**
	 * Adds Settings > Provenance for those who manage options.
	 */
	public static function add_page(): void {
		add_options_page( __( 'Provenance check', 'provenance-check' ), __( 'Provenance', 'provenance-check' ), 'manage_options', self::PAGE, array( self::class, 'render_page' ) );
	}

	/**
	 * Cleans what the form sent; an empty secret field keeps the stored secret.
	 *
	 * @param mixed $input The submitted option value.
	 * @return array The value to store.
	 */
	public static function sanitize( $input ): array {
		$current = self::get();
		$input   = is_array( $input ) ? $input : array(); // options.php has unslashed it.
		$url     = untrailingslashit( esc_url_raw( trim( (string) ( $input['server_url'] ?? '' ) ), array( 'http', 'https' ) ) );
		if ( '' === $url && '' !== trim( (string) ( $input['server_url'] ?? '' ) ) ) {
			add_settings_error( self::OPTION, 'bad_url', __( 'The server URL must start with http:// or https://.', 'provenance-check' ) );
			$url = $current['server_url'];
		}
		$clean = array(
			'server_url'      => $url,
			'api_key'         => $current['api_key'],
			'webhook_secret'  => $current['webhook_secret'],
			'check_on_upload' => ! empty( $input['check_on_upload'] ),
		);
		foreach ( array( 'api_key', 'webhook_secret' ) as $name ) {
			$value = trim( sanitize_text_field( (string) ( $input[ $name ] ?? '' ) ) );
			if ( '' !== $value ) {
				$clean[ $name ] = $value;
			}
		}
		return $clean;
	}

	/**
	 * The settings form.
	 */
	public static function render_page(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'Provenance check', 'provenance-check' ) . '</h1>';
		echo '<form action="options.php" method="post">';
		settings_fields( self::GROUP );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form></div>';
	}

	/**
	 * The server URL field.
	 */
	public static function field_server_url(): void {
		printf(
			'<input type="url" class="regular-text" id="provenance-server-url" name="%s[server_url]" value="%s" placeholder="https://provenance.example.org">',
			esc_attr( self::OPTION ),
			esc_attr( self::get()['server_url'] )
		);
	}

	/**
	 * A secret field: always empty, with the stored value's first characters beside it.
	 *
	 * @param array $args The field's name and help text.
	 */
	public static function field_secret( array $args ): void {
		$stored = self::get()[ $args['name'] ];
		printf(
			'<input type="password" class="regular-text" id="%s" name="%s[%s]" value="" autocomplete="off">',
			esc_attr( $args['label_for'] ),
			esc_attr( self::OPTION ),
			esc_attr( $args['name'] )
		);
		if ( '' !== $stored ) {
			/* translators: %s: the first characters of the stored secret. */
			echo ' <span class="provenance-stored">' . esc_html( sprintf( __( 'Stored: %s (leave empty to keep it)', 'provenance-check' ), self::masked( $stored ) ) ) . '</span>';
		}
		echo '<p class="description">' . esc_html( $args['help'] ) . '</p>';
	}

	/**
	 * The check-on-upload checkbox.
	 */
	public static function field_check_on_upload(): void {
		printf(
			'<label><input type="checkbox" name="%s[check_on_upload]" value="1" %s> %s</label>',
			esc_attr( self::OPTION ),
			checked( self::get()['check_on_upload'], true, false ),
			esc_html__( 'Check each image added to the media library (in the background, after the upload).', 'provenance-check' )
		);
	}

	/**
	 * What an unsaved site starts with.
	 *
	 * @return array{server_url: string, api_key: string, webhook_secret: string, check_on_upload: bool}
	 */
	private static function defaults(): array {
		return array(
			'server_url'      => '',
			'api_key'         => '',
			'webhook_secret'  => '',
			'check_on_upload' => true,
		);
	}
}
