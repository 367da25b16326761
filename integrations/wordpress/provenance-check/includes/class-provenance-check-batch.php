<?php
/**
 * "Check all images": the media library goes to POST /v1/batches in chunks, and the
 * server POSTs each finished batch back to a REST route of this plugin, signed with
 * HMAC-SHA256 over "<timestamp>." + body (the README's "Batches and webhooks").
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

/**
 * The tool page under Media, its form handler and the signed callback route.
 */
final class Provenance_Check_Batch {

	private const PAGE      = 'provenance-batch';
	private const ACTION    = 'provenance_batch';
	private const BATCHES   = 'provenance_check_batches';
	private const NAMESPACE = 'provenance-check/v1';
	private const ROUTE     = '/batch-callback';

	/** Files per batch: well under the server's PROVENANCE_MAX_BATCH_FILES (500). */
	private const CHUNK = 50;

	/** Batches remembered (the page lists them; older ones are forgotten). */
	private const KEEP = 50;

	/** Seconds a callback's timestamp may differ from now (replays are refused). */
	public const TOLERANCE = 300;

	/**
	 * Hooks the page, the form and the route.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( self::class, 'add_page' ) );
		add_action( 'admin_post_' . self::ACTION, array( self::class, 'handle_submit' ) );
		add_action( 'rest_api_init', array( self::class, 'register_route' ) );
	}

	/**
	 * Media > Check provenance of all, for those who manage options (batches cost the server).
	 */
	public static function add_page(): void {
		add_media_page( __( 'Check all images', 'provenance-check' ), __( 'Check all (provenance)', 'provenance-check' ), 'manage_options', self::PAGE, array( self::class, 'render_page' ) );
	}

	/**
	 * The URL the server calls back.
	 */
	public static function callback_url(): string {
		/**
		 * Filters the callback URL, for a server that reaches this site under another name.
		 *
		 * @param string $url The REST route's URL.
		 */
		return (string) apply_filters( 'provenance_check_callback_url', rest_url( self::NAMESPACE . self::ROUTE ) );
	}

	/**
	 * The tool page: how many images, the button, and the batches sent.
	 */
	public static function render_page(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'Check all images', 'provenance-check' ) . '</h1>';
		if ( isset( $_GET['provenance_batch_error'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			echo '<div class="notice notice-error"><p>' . esc_html( (string) get_transient( 'provenance_batch_error_' . get_current_user_id() ) ) . '</p></div>';
		}
		/* translators: %d: number of images. */
		echo '<p>' . esc_html( sprintf( _n( 'The media library holds %d image. Each is sent to the provenance server; the verdicts arrive by signed callback.', 'The media library holds %d images. Each is sent to the provenance server; the verdicts arrive by signed callback.', count( self::image_ids() ), 'provenance-check' ), count( self::image_ids() ) ) ) . '</p>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="action" value="' . esc_attr( self::ACTION ) . '">';
		wp_nonce_field( self::ACTION );
		submit_button( __( 'Check all images', 'provenance-check' ), 'primary', 'submit', false );
		echo '</form>';
		$batches = self::batches();
		if ( $batches ) {
			echo '<h2>' . esc_html__( 'Batches sent', 'provenance-check' ) . '</h2><table class="widefat striped provenance-batches"><thead><tr><th>' . esc_html__( 'Batch', 'provenance-check' ) . '</th><th>' . esc_html__( 'Images', 'provenance-check' ) . '</th><th>' . esc_html__( 'Sent', 'provenance-check' ) . '</th><th>' . esc_html__( 'Status', 'provenance-check' ) . '</th></tr></thead><tbody>';
			foreach ( array_reverse( $batches, true ) as $batch_id => $batch ) {
				printf(
					'<tr data-batch="%1$s"><td>%1$s</td><td>%2$d</td><td>%3$s</td><td>%4$s</td></tr>',
					esc_html( $batch_id ),
					count( $batch['ids'] ),
					esc_html( wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $batch['sent_at'] ) ),
					esc_html( 'received' === $batch['status'] ? __( 'verdicts received', 'provenance-check' ) : __( 'waiting for the callback', 'provenance-check' ) )
				);
			}
			echo '</tbody></table>';
		}
		echo '</div>';
	}

	/**
	 * Sends every image of the media library, in chunks, and remembers each batch.
	 */
	public static function handle_submit(): void {
		check_admin_referer( self::ACTION );
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You cannot run batches.', 'provenance-check' ), 403 );
		}
		$back  = admin_url( 'upload.php?page=' . self::PAGE );
		$error = self::submit_all();
		if ( null !== $error ) {
			set_transient( 'provenance_batch_error_' . get_current_user_id(), $error, 300 );
			$back = add_query_arg( 'provenance_batch_error', 1, $back );
		}
		wp_safe_redirect( $back );
		exit;
	}

	/**
	 * The callback route: public, because the server has no WordPress login; trusted
	 * only through the signature, checked before anything is read.
	 */
	public static function register_route(): void {
		register_rest_route(
			self::NAMESPACE,
			self::ROUTE,
			array(
				'methods'             => 'POST',
				'callback'            => array( self::class, 'receive' ),
				'permission_callback' => '__return_true',
			)
		);
	}

	/**
	 * Stores the verdicts of a signed, fresh callback for a batch this site sent.
	 *
	 * @param WP_REST_Request $request The callback.
	 */
	public static function receive( WP_REST_Request $request ): WP_REST_Response|WP_Error {
		$secret = Provenance_Check_Settings::get()['webhook_secret'];
		$body   = $request->get_body();
		if ( '' === $secret || ! self::verify( $secret, $body, (string) $request->get_header( 'X-Provenance-Signature' ), (string) $request->get_header( 'X-Provenance-Timestamp' ) ) ) {
			return new WP_Error( 'provenance_bad_signature', __( 'The callback is not signed with the callback secret, or its timestamp is too old.', 'provenance-check' ), array( 'status' => 401 ) );
		}
		$payload = json_decode( $body, true );
		$batches = self::batches();
		$id      = is_array( $payload ) ? (string) ( $payload['id'] ?? '' ) : '';
		if ( ! isset( $batches[ $id ] ) ) {
			return new WP_Error( 'provenance_unknown_batch', __( 'This site sent no such batch.', 'provenance-check' ), array( 'status' => 404 ) );
		}
		$stored = 0;
		foreach ( (array) ( $payload['items'] ?? array() ) as $item ) {
			$attachment = self::attachment_of( (string) ( $item['filename'] ?? '' ) );
			if ( $attachment && in_array( $attachment, $batches[ $id ]['ids'], true ) && is_array( $item['check'] ?? null ) ) {
				Provenance_Check_Results::store_report( $attachment, $item['check'] );
				++$stored;
			}
		}
		$batches[ $id ]['status'] = 'received';
		update_option( self::BATCHES, $batches, false );
		return new WP_REST_Response( array( 'stored' => $stored ), 200 );
	}

	/**
	 * The README's verification: HMAC-SHA256 keyed with the secret over "<timestamp>."
	 * and the raw body, compared in constant time, the timestamp within five minutes.
	 *
	 * @param string $secret    The shared secret.
	 * @param string $body      The body exactly as received.
	 * @param string $signature The X-Provenance-Signature header ("sha256=<hex>").
	 * @param string $timestamp The X-Provenance-Timestamp header (Unix seconds).
	 */
	public static function verify( string $secret, string $body, string $signature, string $timestamp ): bool {
		if ( ! ctype_digit( $timestamp ) || abs( time() - (int) $timestamp ) > self::TOLERANCE ) {
			return false;
		}
		$expected = 'sha256=' . hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
		return hash_equals( $expected, $signature );
	}

	/**
	 * Sends the images in chunks; null when all were accepted, else what went wrong.
	 */
	private static function submit_all(): ?string {
		$settings = Provenance_Check_Settings::get();
		if ( ! Provenance_Check_Settings::is_configured() || '' === $settings['webhook_secret'] ) {
			return __( 'Set the server URL, the API key and the callback secret first (Settings > Provenance).', 'provenance-check' );
		}
		$client  = Provenance_Check_Client::from_settings();
		$batches = self::batches();
		foreach ( array_chunk( self::image_ids(), self::CHUNK ) as $ids ) {
			$files = array();
			foreach ( $ids as $id ) {
				$path    = (string) get_attached_file( $id );
				$files[] = array( $path, 'attachment-' . $id . '-' . basename( $path ) );
			}
			$batch = $client->create_batch( $files, self::callback_url() );
			if ( is_wp_error( $batch ) ) {
				return $batch->get_error_message();
			}
			$batches[ (string) $batch['id'] ] = array(
				'ids'     => $ids,
				'sent_at' => time(),
				'status'  => 'sent',
			);
			$batches = array_slice( $batches, -self::KEEP, null, true );
			update_option( self::BATCHES, $batches, false );
			foreach ( $ids as $id ) {
				Provenance_Check_Results::set_token( $id, wp_generate_uuid4() ); // A check still waiting is superseded.
				Provenance_Check_Results::set_status( $id, 'queued' );
			}
		}
		return null;
	}

	/**
	 * The attachment a batch file name stands for ("attachment-<id>-<name>").
	 *
	 * @param string $filename A batch item's filename.
	 */
	private static function attachment_of( string $filename ): int {
		return preg_match( '/^attachment-(\d+)-/', $filename, $match ) ? (int) $match[1] : 0;
	}

	/**
	 * Every image attachment's ID.
	 *
	 * @return list<int>
	 */
	private static function image_ids(): array {
		return array_map(
			'intval',
			get_posts(
				array(
					'post_type'      => 'attachment',
					'post_mime_type' => 'image',
					'post_status'    => 'inherit',
					'posts_per_page' => -1,
					'fields'         => 'ids',
					'orderby'        => 'ID',
					'order'          => 'ASC',
				)
			)
		);
	}

	/**
	 * The batches sent, by server batch ID.
	 *
	 * @return array<string, array{ids: list<int>, sent_at: int, status: string}>
	 */
	private static function batches(): array {
		$batches = get_option( self::BATCHES, array() );
		return is_array( $batches ) ? $batches : array();
	}
}
