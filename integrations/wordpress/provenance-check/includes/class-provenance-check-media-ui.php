<?php
/**
 * What the editor sees: the badge column of the media library, the "Check provenance"
 * row action and button, the verdict with reasons and evidence in the attachment
 * details, and the block editor's warning for an altered or composite image.
 *
 * @package ProvenanceCheck
 */

defined( 'ABSPATH' ) || exit;

/**
 * The media library and editor screens.
 */
final class Provenance_Check_Media_UI {

	private const ACTION   = 'provenance_check';
	private const EVIDENCE = 'provenance_evidence';

	/**
	 * The URL of the plugin's assets folder.
	 *
	 * @var string
	 */
	private static string $assets = '';

	/**
	 * Hooks the screens.
	 *
	 * @param string $assets The URL of the assets folder.
	 */
	public static function register( string $assets ): void {
		self::$assets = $assets;
		add_filter( 'manage_media_columns', array( self::class, 'add_column' ) );
		add_action( 'manage_media_custom_column', array( self::class, 'render_column' ), 10, 2 );
		add_filter( 'media_row_actions', array( self::class, 'row_action' ), 10, 2 );
		add_filter( 'attachment_fields_to_edit', array( self::class, 'fields' ), 10, 2 );
		add_filter( 'attachment_fields_to_save', array( self::class, 'save_fields' ), 10, 2 );
		add_action( 'admin_post_' . self::ACTION, array( self::class, 'handle_check' ) );
		add_action( 'wp_ajax_' . self::EVIDENCE, array( self::class, 'serve_evidence' ) );
		add_action( 'admin_notices', array( self::class, 'notices' ) );
		add_action( 'admin_enqueue_scripts', array( self::class, 'enqueue_style' ) );
		add_action( 'enqueue_block_editor_assets', array( self::class, 'enqueue_editor_script' ) );
		add_filter( 'wp_prepare_attachment_for_js', array( self::class, 'attachment_for_js' ), 10, 2 );
		add_action( 'wp_enqueue_media', array( self::class, 'enqueue_grid_script' ) );
	}

	/**
	 * The verdict with each attachment the media grid and modal load, for their badges.
	 *
	 * @param array   $response   The attachment as the media views get it.
	 * @param WP_Post $attachment The attachment.
	 */
	public static function attachment_for_js( array $response, WP_Post $attachment ): array {
		if ( Provenance_Check_Checker::is_image( $attachment->ID ) && current_user_can( 'edit_post', $attachment->ID ) ) {
			$state                  = Provenance_Check_Results::get( $attachment->ID );
			$response['provenance'] = array(
				'key'   => self::badge_key( $state ),
				'label' => self::badge_label( $state ),
			);
		}
		return $response;
	}

	/**
	 * The badges on the thumbnails of the media grid and of the media modal.
	 */
	public static function enqueue_grid_script(): void {
		wp_enqueue_script( 'provenance-check-grid', self::$assets . 'media-grid.js', array( 'media-views' ), '0.1.0', true );
	}

	/**
	 * Adds the Provenance column to the media library list.
	 *
	 * @param array $columns The list's columns.
	 */
	public static function add_column( array $columns ): array {
		$columns['provenance'] = __( 'Provenance', 'provenance-check' );
		return $columns;
	}

	/**
	 * The badge, and the status of a check waiting or failed.
	 *
	 * @param string $column The column being drawn.
	 * @param int    $id     The attachment.
	 */
	public static function render_column( string $column, int $id ): void {
		if ( 'provenance' !== $column ) {
			return;
		}
		$state = Provenance_Check_Results::get( $id );
		echo self::badge( $state ); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- badge() escapes.
		if ( 'error' === $state['status'] ) {
			echo '<p class="provenance-error">' . esc_html( self::error_text( $state ) ) . '</p>';
		} elseif ( 'done' === $state['status'] && $state['reasons'] ) {
			echo '<p class="provenance-reason">' . esc_html( $state['reasons'][0] ) . '</p>';
		}
	}

	/**
	 * "Check provenance" (or "Check again") under each image in the list.
	 *
	 * @param array   $actions The row's actions.
	 * @param WP_Post $post    The attachment.
	 */
	public static function row_action( array $actions, WP_Post $post ): array {
		if ( Provenance_Check_Checker::is_image( $post->ID ) && current_user_can( 'edit_post', $post->ID ) ) {
			$actions['provenance_check'] = sprintf(
				'<a href="%s">%s</a>',
				esc_url( self::check_url( $post->ID ) ),
				esc_html( self::check_label( Provenance_Check_Results::get( $post->ID ) ) )
			);
		}
		return $actions;
	}

	/**
	 * The credit field and the provenance panel in the attachment details (the media
	 * modal, where an image is chosen for a post, and the attachment's edit screen).
	 *
	 * @param array   $fields The form fields.
	 * @param WP_Post $post   The attachment.
	 */
	public static function fields( array $fields, WP_Post $post ): array {
		if ( ! Provenance_Check_Checker::is_image( $post->ID ) ) {
			return $fields;
		}
		$fields[ Provenance_Check_Results::CREDIT_META ] = array(
			'label' => __( 'Credit (claimed source)', 'provenance-check' ),
			'input' => 'text',
			'value' => (string) get_post_meta( $post->ID, Provenance_Check_Results::CREDIT_META, true ),
			'helps' => __( 'Who the image is said to come from; the provenance check answers this claim.', 'provenance-check' ),
		);
		$fields['provenance'] = array(
			'label' => __( 'Provenance', 'provenance-check' ),
			'input' => 'html',
			'html'  => self::panel( $post->ID ),
		);
		return $fields;
	}

	/**
	 * Saves the credit field of the attachment form.
	 *
	 * @param array $post       The attachment's post data.
	 * @param array $attachment The submitted fields.
	 */
	public static function save_fields( array $post, array $attachment ): array {
		if ( isset( $attachment[ Provenance_Check_Results::CREDIT_META ] ) && current_user_can( 'edit_post', $post['ID'] ) ) {
			update_post_meta( $post['ID'], Provenance_Check_Results::CREDIT_META, sanitize_text_field( $attachment[ Provenance_Check_Results::CREDIT_META ] ) );
		}
		return $post;
	}

	/**
	 * The row action and the button: queue a check (run by WP-Cron) and go back.
	 */
	public static function handle_check(): void {
		$id = isset( $_GET['attachment_id'] ) ? absint( $_GET['attachment_id'] ) : 0;
		check_admin_referer( self::ACTION . '_' . $id );
		if ( ! $id || ! current_user_can( 'edit_post', $id ) || ! Provenance_Check_Checker::is_image( $id ) ) {
			wp_die( esc_html__( 'You cannot check this file.', 'provenance-check' ), 403 );
		}
		if ( ! Provenance_Check_Settings::is_configured() ) {
			wp_die( esc_html__( 'Set the provenance server and key first (Settings > Provenance).', 'provenance-check' ), 400 );
		}
		Provenance_Check_Checker::queue( $id );
		$back = wp_get_referer() ? wp_get_referer() : admin_url( 'upload.php?mode=list' );
		wp_safe_redirect( add_query_arg( 'provenance_queued', $id, $back ) );
		exit;
	}

	/**
	 * The evidence picture, fetched from the server with the key the browser never sees.
	 */
	public static function serve_evidence(): void {
		$id = isset( $_GET['attachment_id'] ) ? absint( $_GET['attachment_id'] ) : 0;
		check_ajax_referer( self::EVIDENCE . '_' . $id );
		if ( ! $id || ! current_user_can( 'edit_post', $id ) ) {
			wp_die( '', '', 403 );
		}
		$path = Provenance_Check_Results::evidence_path( $id );
		$png  = null === $path ? null : Provenance_Check_Client::from_settings()->evidence( $path );
		if ( null === $png || is_wp_error( $png ) ) {
			wp_die( esc_html__( 'No evidence picture could be fetched.', 'provenance-check' ), '', 404 );
		}
		nocache_headers();
		header( 'Content-Type: image/png' );
		header( 'X-Content-Type-Options: nosniff' );
		echo $png; // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- PNG bytes from the server, sent as image/png.
		exit;
	}

	/**
	 * Says that a check was queued (after the row action or button).
	 */
	public static function notices(): void {
		if ( empty( $_GET['provenance_queued'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
			return;
		}
		$id = absint( $_GET['provenance_queued'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- display only.
		/* translators: %s: the image's title. */
		$text = sprintf( __( 'Provenance check of "%s" queued: it runs in the background; reload to see the verdict.', 'provenance-check' ), get_the_title( $id ) );
		echo '<div class="notice notice-info is-dismissible provenance-queued"><p>' . esc_html( $text ) . '</p></div>';
	}

	/**
	 * The badge styles, on every admin screen (the media modal opens anywhere).
	 */
	public static function enqueue_style(): void {
		wp_enqueue_style( 'provenance-check', self::$assets . 'admin.css', array(), '0.1.0' );
	}

	/**
	 * The block editor's warning when an altered or composite image is in the post.
	 */
	public static function enqueue_editor_script(): void {
		wp_enqueue_script( 'provenance-check-editor', self::$assets . 'editor-notice.js', array( 'wp-data', 'wp-api-fetch', 'wp-i18n', 'wp-notices', 'wp-url' ), '0.1.0', true );
		wp_add_inline_script(
			'provenance-check-editor',
			'window.provenanceCheck = ' . wp_json_encode( array( 'editUrl' => admin_url( 'post.php?action=edit&post=' ) ) ) . ';',
			'before'
		);
	}

	/**
	 * The panel of the attachment details: badge, reasons, original, claims, evidence, button.
	 *
	 * @param int $id The attachment.
	 */
	private static function panel( int $id ): string {
		$state = Provenance_Check_Results::get( $id );
		$html  = '<div class="provenance-panel" data-status="' . esc_attr( $state['status'] ) . '">' . self::badge( $state );
		if ( in_array( $state['verdict'], Provenance_Check_Results::WARN, true ) ) {
			$html .= '<p class="provenance-warning"><strong>' . esc_html__( 'Do not publish as is: this image was edited after the original was taken.', 'provenance-check' ) . '</strong></p>';
		}
		if ( 'error' === $state['status'] ) {
			$html .= '<p class="provenance-error">' . esc_html( self::error_text( $state ) ) . '</p>';
		}
		if ( $state['reasons'] ) {
			$html .= '<ul class="provenance-reasons">';
			foreach ( $state['reasons'] as $reason ) {
				$html .= '<li>' . esc_html( $reason ) . '</li>';
			}
			$html .= '</ul>';
		}
		if ( $state['original'] ) {
			$html .= '<p class="provenance-original">' . esc_html__( 'Original:', 'provenance-check' ) . ' ' . esc_html( $state['original'] ) . '</p>';
		}
		foreach ( $state['claims'] as $claim ) {
			/* translators: 1: claim kind, 2: what was claimed, 3: outcome. */
			$html .= '<p class="provenance-claim" data-outcome="' . esc_attr( $claim['outcome'] ) . '">' . esc_html( sprintf( __( 'Claimed %1$s "%2$s": %3$s.', 'provenance-check' ), $claim['claim'], $claim['stated'], $claim['outcome'] ) ) . ' ' . esc_html( $claim['evidence'] ) . '</p>';
		}
		if ( $state['has_evidence'] ) {
			$src   = add_query_arg(
				array(
					'action'        => self::EVIDENCE,
					'attachment_id' => $id,
					'_wpnonce'      => wp_create_nonce( self::EVIDENCE . '_' . $id ),
				),
				admin_url( 'admin-ajax.php' )
			);
			$html .= '<p><img class="provenance-evidence" src="' . esc_url( $src ) . '" alt="' . esc_attr__( 'Evidence: the original aligned onto this image, changed regions outlined, and a heat map of the differences', 'provenance-check' ) . '"></p>';
		}
		if ( current_user_can( 'edit_post', $id ) ) {
			$html .= '<p><a class="button provenance-check-button" href="' . esc_url( self::check_url( $id ) ) . '">' . esc_html( self::check_label( $state ) ) . '</a></p>';
		}
		return $html . '</div>';
	}

	/**
	 * The badge of a state: the verdict when there is one, else the status.
	 *
	 * @param array $state Provenance_Check_Results::get().
	 */
	private static function badge( array $state ): string {
		return sprintf( '<span class="provenance-badge provenance-badge--%1$s" data-verdict="%1$s">%2$s</span>', esc_attr( self::badge_key( $state ) ), esc_html( self::badge_label( $state ) ) );
	}

	/**
	 * What a badge stands for: the verdict when there is one, else the status.
	 *
	 * @param array $state Provenance_Check_Results::get().
	 */
	private static function badge_key( array $state ): string {
		return 'done' === $state['status'] ? (string) $state['verdict'] : (string) $state['status'];
	}

	/**
	 * The words of a badge.
	 *
	 * @param array $state Provenance_Check_Results::get().
	 */
	private static function badge_label( array $state ): string {
		$labels = array(
			'identical' => __( 'Identical', 'provenance-check' ),
			'copy'      => __( 'Copy', 'provenance-check' ),
			'altered'   => __( 'Altered', 'provenance-check' ),
			'composite' => __( 'Composite', 'provenance-check' ),
			'related'   => __( 'Related', 'provenance-check' ),
			'unknown'   => __( 'Unknown', 'provenance-check' ),
			'none'      => __( 'Not checked', 'provenance-check' ),
			'queued'    => __( 'Queued', 'provenance-check' ),
			'checking'  => __( 'Checking…', 'provenance-check' ),
			'error'     => __( 'Check failed', 'provenance-check' ),
		);
		$key    = self::badge_key( $state );
		$label  = $labels[ $key ] ?? $key;
		if ( 'done' !== $state['status'] && $state['verdict'] ) {
			/* translators: 1: the current status, 2: the previous verdict. */
			$label = sprintf( __( '%1$s (was %2$s)', 'provenance-check' ), $label, $labels[ $state['verdict'] ] ?? $state['verdict'] );
		}
		return $label;
	}

	/**
	 * A failed check in words, with when it is tried again.
	 *
	 * @param array $state Provenance_Check_Results::get().
	 */
	private static function error_text( array $state ): string {
		$text = (string) $state['error'];
		if ( $state['retry_at'] ) {
			/* translators: %s: a time of day. */
			$text .= ' ' . sprintf( __( 'Tried again automatically at %s; or check again now.', 'provenance-check' ), wp_date( get_option( 'time_format' ), (int) $state['retry_at'] ) );
		} else {
			$text .= ' ' . __( 'Use "Check again" once the cause is fixed.', 'provenance-check' );
		}
		return $text;
	}

	/**
	 * The label of the check link for a state.
	 *
	 * @param array $state Provenance_Check_Results::get().
	 */
	private static function check_label( array $state ): string {
		return 'none' === $state['status'] ? __( 'Check provenance', 'provenance-check' ) : __( 'Check again', 'provenance-check' );
	}

	/**
	 * The nonce-protected URL that queues a check.
	 *
	 * @param int $id The attachment.
	 */
	private static function check_url( int $id ): string {
		return wp_nonce_url( admin_url( 'admin-post.php?action=' . self::ACTION . '&attachment_id=' . $id ), self::ACTION . '_' . $id );
	}
}
