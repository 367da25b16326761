/**
 * Block editor: when an image block (or a gallery's, or a cover's) holds a media item
 * whose provenance check says altered or composite, show a warning notice with a link
 * to the evidence. Each image is looked up once, through the REST field `provenance`.
 */
( function ( wp, settings ) {
	'use strict';

	const WARN = [ 'altered', 'composite' ];
	const MEDIA_BLOCKS = [ 'core/image', 'core/cover' ];
	const seen = new Set();

	function imageIds( blocks, ids ) {
		blocks.forEach( function ( block ) {
			if ( MEDIA_BLOCKS.includes( block.name ) && block.attributes.id ) {
				ids.add( block.attributes.id );
			}
			imageIds( block.innerBlocks || [], ids );
		} );
		return ids;
	}

	function warn( id, provenance ) {
		const message = wp.i18n.sprintf(
			/* translators: 1: verdict (altered or composite), 2: first reason. */
			wp.i18n.__( 'Provenance check: this image is %1$s. %2$s', 'provenance-check' ),
			provenance.verdict,
			provenance.reasons[ 0 ] || ''
		);
		wp.data.dispatch( 'core/notices' ).createWarningNotice( message, {
			id: 'provenance-check-' + id,
			isDismissible: true,
			actions: [ { label: wp.i18n.__( 'See the evidence', 'provenance-check' ), url: settings.editUrl + id } ],
		} );
	}

	wp.data.subscribe( function () {
		const editor = wp.data.select( 'core/block-editor' );
		if ( ! editor ) {
			return;
		}
		imageIds( editor.getBlocks(), new Set() ).forEach( function ( id ) {
			if ( seen.has( id ) ) {
				return;
			}
			seen.add( id );
			wp.apiFetch( { path: wp.url.addQueryArgs( '/wp/v2/media/' + id, { context: 'edit', _fields: 'id,provenance' } ) } )
				.then( function ( media ) {
					if ( media.provenance && WARN.includes( media.provenance.verdict ) ) {
						warn( id, media.provenance );
					}
				} )
				.catch( function () {} );
		} );
	} );
} )( window.wp, window.provenanceCheck );
