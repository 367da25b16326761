/**
 * A provenance badge on each thumbnail of the media grid and of the media modal (where
 * an image is chosen for a post), from the `provenance` the plugin adds to each
 * attachment's data. Text, not colour alone, says the verdict.
 */
( function ( media ) {
	'use strict';

	if ( ! media || ! media.view || ! media.view.Attachment || ! media.view.Attachment.Library ) {
		return;
	}
	const Library = media.view.Attachment.Library;

	media.view.Attachment.Library = Library.extend( {
		render: function () {
			Library.prototype.render.apply( this, arguments );
			const provenance = this.model.get( 'provenance' );
			const preview = this.el.querySelector( '.attachment-preview' );
			if ( provenance && preview ) {
				const badge = document.createElement( 'span' );
				badge.className = 'provenance-badge provenance-grid-badge provenance-badge--' + provenance.key;
				badge.dataset.verdict = provenance.key;
				badge.textContent = provenance.label;
				preview.appendChild( badge );
			}
			return this;
		},
	} );
} )( window.wp && window.wp.media );
