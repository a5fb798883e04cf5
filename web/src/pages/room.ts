import { mountLayout } from '../layout';

mountLayout();
