import { byId } from '../dom';
import { mountLayout } from '../layout';

mountLayout();
byId('missing-path').textContent = window.location.pathname;
